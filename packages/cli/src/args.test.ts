import { choiceOption, instantOption } from './args';
import { UsageError } from './cli-errors';

const USAGE = 'Usage: mesh test';

describe('choiceOption', () => {
  it('answers one of the allowed values, undefined when not given, a usage error naming them otherwise', () => {
    const allowed = ['network', 'model', 'day'] as const;
    expect(choiceOption({ 'group-by': 'model' }, 'group-by', allowed, USAGE)).toBe('model');
    expect(choiceOption({}, 'group-by', allowed, USAGE)).toBeUndefined();
    expect(() => choiceOption({ 'group-by': 'tenant' }, 'group-by', allowed, USAGE)).toThrow(new UsageError('--group-by takes network, model, day (got "tenant")'));
    expect(() => choiceOption({ 'group-by': 'Model' }, 'group-by', allowed, USAGE)).toThrow(UsageError);
  });
});

describe('instantOption', () => {
  it('passes ISO times on as given and makes a date its UTC midnight', () => {
    expect(instantOption({ from: '2026-05-01T09:30:00+02:00' }, 'from', USAGE)).toBe('2026-05-01T09:30:00+02:00');
    expect(instantOption({ from: ' 2026-05-01 ' }, 'from', USAGE)).toBe('2026-05-01T00:00:00Z');
    expect(instantOption({}, 'from', USAGE)).toBeUndefined();
  });

  it.each(['yesterday', '2026-13-45', '', '05/01/2026x'])('refuses "%s" with a usage error', (value) => {
    expect(() => instantOption({ to: value }, 'to', USAGE)).toThrow(/^--to takes an ISO time \(2026-05-01T09:00:00Z\) or a UTC date \(2026-05-01\)/);
  });
});
