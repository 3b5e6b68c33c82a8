import { passesIbanCheck, passesLuhn } from './luhn';

export type PiiKind = 'email' | 'iban' | 'card' | 'ssn' | 'phone';

interface PiiRule {
  kind: PiiKind;
  pattern: RegExp;
  /** A candidate the pattern found is redacted only when this says so (checksums, digit counts). */
  accept?: (match: string) => boolean;
}

const digitsOf = (text: string) => text.replace(/\D/g, '');

/**
 * Order matters: e-mail addresses first (they may contain digits), then the checksummed
 * numbers (IBAN, card), then SSN and phone numbers, so a card number is never half-redacted
 * as a phone number. Patterns are conservative: a bare run of digits is not a phone number.
 */
const RULES: PiiRule[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}/g },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, accept: (m) => passesIbanCheck(m.replace(/ /g, '')) },
  {
    kind: 'card',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    accept: (m) => {
      const digits = digitsOf(m);
      return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
    },
  },
  { kind: 'ssn', pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g },
  {
    kind: 'phone',
    // International (+CC …) or North American ((415) 555-0100, 415-555-0100, 415.555.0100).
    pattern: /(?<![\w+])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}|\(\d{3}\) ?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])/g,
    accept: (m) => {
      const digits = digitsOf(m);
      return digits.length >= 10 && digits.length <= 15;
    },
  },
];

export interface PiiRedaction {
  text: string;
  /** The kinds found, in the order above, each once. */
  kinds: PiiKind[];
}

/** Replaces e-mail addresses, IBANs, card numbers (Luhn), US SSNs and phone numbers with `[redacted <kind>]`. */
export function redactPii(text: string): PiiRedaction {
  const kinds: PiiKind[] = [];
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.pattern, (match) => {
      if (rule.accept && !rule.accept(match)) return match;
      if (!kinds.includes(rule.kind)) kinds.push(rule.kind);
      return `[redacted ${rule.kind}]`;
    });
  }
  return { text: out, kinds };
}
