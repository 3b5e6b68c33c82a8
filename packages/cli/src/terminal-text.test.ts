import { normaliseOptionalValues } from './args';
import { formatTable } from './table';
import { oneLine, safeText, truncateVisible, visibleLength } from './terminal-text';

describe('safeText', () => {
  it('strips escape sequences and control characters from model output, keeping newlines and tabs', () => {
    expect(safeText('ok\x1b[2J\x1b[1;1Hclear\x1b]0;title\x07 done\tx\ny\r\x00\x9b')).toBe('okclear done\tx\ny');
    expect(oneLine(' a\n b\t c ', 5)).toBe('a b c');
    expect(oneLine(' a\n b\t c ', 4)).toBe('a b…');
  });
});

describe('truncateVisible', () => {
  it('counts colour sequences as no width and resets colours after a cut', () => {
    const coloured = `\x1b[32m${'x'.repeat(10)}\x1b[39m`;
    expect(visibleLength(coloured)).toBe(10);
    expect(truncateVisible(coloured, 20)).toBe(coloured);
    expect(truncateVisible(coloured, 5)).toBe('\x1b[32mxxxx…\x1b[0m');
    expect(truncateVisible('plain text here', 6)).toBe('plain…');
  });
});

describe('formatTable', () => {
  it('pads columns to the widest cell', () => {
    expect(formatTable(['ID', 'NAME'], [['1', 'alpha'], ['22', 'b']])).toBe('ID  NAME\n1   alpha\n22  b');
  });
});

describe('normaliseOptionalValues', () => {
  it('gives --wait an empty value when no number follows it', () => {
    expect(normaliseOptionalValues(['net', '--wait', '--json'], ['wait'])).toEqual(['net', '--wait=', '--json']);
    expect(normaliseOptionalValues(['--wait', '30', 'net'], ['wait'])).toEqual(['--wait=30', 'net']);
    expect(normaliseOptionalValues(['--wait=5', 'net', '--wait'], ['wait'])).toEqual(['--wait=5', 'net', '--wait=']);
  });
});
