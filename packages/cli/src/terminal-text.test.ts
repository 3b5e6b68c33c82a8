import { normaliseOptionalValues } from './args';
import { formatTable } from './table';
import { formatRelative, formatSpan, oneLine, safeText, truncateVisible, visibleLength } from './terminal-text';

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

  it('fits maxWidth by narrowing the widest flexible column, then cuts lines that still do not fit', () => {
    const rows = [['id-1', 'a rather long network name', 'notes that go on and on', 'x']];
    const headers = ['ID', 'NAME', 'NOTES', 'N'];
    expect(formatTable(headers, rows)).toBe('ID    NAME                        NOTES                    N\nid-1  a rather long network name  notes that go on and on  x');
    // 50 columns: NAME (the widest) gives way first, until it is as narrow as NOTES, then both.
    expect(formatTable(headers, rows, { maxWidth: 50, flexible: [1, 2] }).split('\n')).toEqual([
      'ID    NAME                 NOTES                 N',
      'id-1  a rather long netw…  notes that go on an…  x',
    ]);
    // Flexible columns stop at 8 (or their header): fixed columns that are too wide get the line cut.
    expect(formatTable(headers, rows, { maxWidth: 20, flexible: [1, 2] }).split('\n')).toEqual(['ID    NAME      NOT…', 'id-1  a rathe…  not…']);
    expect(formatTable(headers, rows, { flexible: [1, 2] })).toBe(formatTable(headers, rows));
  });
});

describe('normaliseOptionalValues', () => {
  it('gives --wait an empty value when no number follows it', () => {
    expect(normaliseOptionalValues(['net', '--wait', '--json'], ['wait'])).toEqual(['net', '--wait=', '--json']);
    expect(normaliseOptionalValues(['--wait', '30', 'net'], ['wait'])).toEqual(['--wait=30', 'net']);
    expect(normaliseOptionalValues(['--wait=5', 'net', '--wait'], ['wait'])).toEqual(['--wait=5', 'net', '--wait=']);
  });
});

describe('formatSpan and formatRelative', () => {
  it('give ages and deadlines coarsely, in the past or the future', () => {
    expect([0, 59_999, 60_000, 3_599_999, 3_600_000, 47 * 3_600_000, 48 * 3_600_000].map(formatSpan)).toEqual(['0 s', '59 s', '1 min', '59 min', '1 h', '47 h', '2 d']);
    const now = Date.parse('2026-01-01T12:00:00.000Z');
    expect(formatRelative('2026-01-01T11:55:00.000Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-01-02T11:00:00.000Z', now)).toBe('in 23 h');
    expect(formatRelative('not a time', now)).toBe('-');
  });
});
