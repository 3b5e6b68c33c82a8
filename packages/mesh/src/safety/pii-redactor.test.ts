import { passesIbanCheck, passesLuhn } from './luhn';
import { redactPii } from './pii-redactor';

describe('passesLuhn', () => {
  it.each([
    ['4111111111111111', true],
    ['5555555555554444', true],
    ['378282246310005', true],
    ['4111111111111112', false],
    ['1234567812345678', false],
    ['41111a1111111111', false],
  ])('%s → %s', (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected);
  });
});

describe('passesIbanCheck', () => {
  it.each([
    ['GB82WEST12345698765432', true],
    ['DE89370400440532013000', true],
    ['GB82WEST12345698765433', false],
    ['XX00', false],
  ])('%s → %s', (iban, expected) => {
    expect(passesIbanCheck(iban)).toBe(expected);
  });
});

describe('redactPii', () => {
  it.each([
    ['email', 'Write to jane.doe+news@example.co.uk today', 'Write to [redacted email] today'],
    ['card (spaces)', 'Card 4111 1111 1111 1111 on file', 'Card [redacted card] on file'],
    ['card (dashes)', 'Card 5555-5555-5555-4444.', 'Card [redacted card].'],
    ['card (plain)', 'pay with 378282246310005 now', 'pay with [redacted card] now'],
    ['iban', 'IBAN GB82 WEST 1234 5698 7654 32 please', 'IBAN [redacted iban] please'],
    ['iban (compact)', 'to DE89370400440532013000', 'to [redacted iban]'],
    ['ssn', 'SSN 123-45-6789 in the file', 'SSN [redacted ssn] in the file'],
    ['phone (NANP)', 'Call (415) 555-0100 or 415-555-0199', 'Call [redacted phone] or [redacted phone]'],
    ['phone (international)', 'Ring +44 20 7946 0958 tomorrow', 'Ring [redacted phone] tomorrow'],
  ])('redacts %s', (kind, input, expected) => {
    const out = redactPii(input);
    expect(out.text).toBe(expected);
    expect(out.kinds).toEqual([kind.split(' ')[0]]);
  });

  it.each([
    ['a card number failing Luhn', 'Order 4111 1111 1111 1112 shipped'],
    ['an IBAN-like string with a wrong checksum', 'Ref GB82WEST12345698765433'],
    ['an impossible SSN', 'Codes 000-12-3456 and 666-12-3456 and 123-00-4567'],
    ['dates, times, versions and ids', 'On 2025-01-15 at 12:30, v1.2.3, id 123e4567-e89b-12d3-a456-426614174000, 42 emails'],
    ['a short or bare number', 'Call 555-0100 or order 12345678'],
    ['percentages and prices', 'Open rate 24.5%, price $1,299.00, 10,000 subscribers'],
  ])('leaves %s alone', (_what, input) => {
    expect(redactPii(input)).toEqual({ text: input, kinds: [] });
  });

  it('reports each kind once, in a fixed order', () => {
    const out = redactPii('a@b.io, c@d.io, 123-45-6789, 4111111111111111');
    expect(out.kinds).toEqual(['email', 'card', 'ssn']);
    expect(out.text).toBe('[redacted email], [redacted email], [redacted ssn], [redacted card]');
  });
});
