import { z } from 'zod';

/** Readers for environment variables: strings in, typed values out; empty means "not set". */
function parsed<T>(def: T, parse: (raw: string) => T | string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const value = raw?.trim();
      if (value === undefined || value === '') return def;
      const result = parse(value);
      if (typeof result === 'string' && typeof def !== 'string') {
        ctx.addIssue({ code: 'custom', message: result });
        return z.NEVER;
      }
      return result as T;
    });
}

export const intVar = (def: number, min: number, max: number) =>
  parsed<number>(def, (v) => {
    if (!/^-?\d+$/.test(v)) return 'must be a whole number';
    const n = Number(v);
    return n >= min && n <= max ? n : `must be between ${min} and ${max}`;
  });

export const numberVar = (def: number, min: number, max: number) =>
  parsed<number>(def, (v) => {
    if (!/^-?\d+(\.\d+)?$/.test(v)) return 'must be a number';
    const n = Number(v);
    return n >= min && n <= max ? n : `must be between ${min} and ${max}`;
  });

export const boolVar = (def: boolean) =>
  parsed<boolean>(def, (v) => {
    if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(v.toLowerCase())) return false;
    return 'must be true or false';
  });

/** An optional string where an empty value means "not set". */
export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined));

function isUrl(value: string, protocols: RegExp): boolean {
  try {
    return protocols.test(new URL(value).protocol.replace(/:$/, ''));
  } catch {
    return false;
  }
}

export const urlVar = (def: string, protocols: RegExp) =>
  z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : def))
    .refine((v) => isUrl(v, protocols), `must be a URL (${protocols.source})`);

export const optionalUrlVar = (protocols: RegExp = /^https?$/, expected = 'an http(s) URL') =>
  optionalString().refine((v) => v === undefined || isUrl(v, protocols), `must be ${expected}`);
