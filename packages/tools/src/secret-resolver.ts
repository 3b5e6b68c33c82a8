import type { ToolHeaders, ToolSpec } from '@mesh/core';
import { MissingSecretError } from './errors';

/** A secret's value by NAME, from operator configuration; undefined when it is not configured. */
export type SecretResolver = (name: string) => string | undefined;

export const SECRET_ENV_PREFIX = 'MESH_SECRET_';

/** Secret values by NAME (the config's `tools.secrets`); undefined for a NAME the operator has not configured. */
export function secretResolver(secrets: Readonly<Record<string, string>>): SecretResolver {
  const values = new Map(Object.entries(secrets));
  return (name) => values.get(name);
}

/**
 * Secrets from an environment, `MESH_SECRET_<NAME>` (processes get them parsed by the config
 * package; tests pass their own). Nothing here reads `process.env`.
 */
export function secretResolverFromEnv(env: Readonly<Record<string, string | undefined>>): SecretResolver {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith(SECRET_ENV_PREFIX) && value) secrets[key.slice(SECRET_ENV_PREFIX.length)] = value;
  return secretResolver(secrets);
}

/** Every secret NAME a registration refers to. */
export function secretNamesOf(spec: ToolSpec): string[] {
  const headers: (ToolHeaders | undefined)[] = spec.kind === 'http' ? [spec.request.headers] : [spec.headers];
  const names = new Set<string>();
  for (const group of headers) {
    for (const value of Object.values(group ?? {})) if (typeof value !== 'string') names.add(value.secret);
  }
  return [...names];
}

/** Header values with every secret reference replaced by its value; throws MissingSecretError. */
export function resolveHeaders(headers: ToolHeaders | undefined, resolve: SecretResolver, path = 'headers'): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') {
      resolved[name] = value;
      continue;
    }
    const secret = resolve(value.secret);
    if (secret === undefined) throw new MissingSecretError(value.secret, `${path}.${name}`);
    resolved[name] = secret;
  }
  return resolved;
}

/** The values of the secrets a registration refers to (the configured ones), to scrub output with. */
export function secretValuesOf(spec: ToolSpec, resolve: SecretResolver): string[] {
  return secretNamesOf(spec)
    .map((name) => resolve(name))
    .filter((value): value is string => value !== undefined);
}

/** Shorter values would blank ordinary text; secrets are expected to be much longer. */
const MIN_SCRUBBED_LENGTH = 4;
const REDACTED = '[redacted secret]';

/** The value with every occurrence of a secret (as is, or URL-encoded) replaced, in every string it holds. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const needles = [...new Set(secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]))].filter((needle) => needle.length >= MIN_SCRUBBED_LENGTH).sort((a, b) => b.length - a.length);
  if (needles.length === 0) return value;
  const scrubText = (text: string) => needles.reduce((result, needle) => result.split(needle).join(REDACTED), text);
  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return scrubText(item);
    if (depth > 64 || item === null || typeof item !== 'object') return item;
    if (Array.isArray(item)) return item.map((entry) => walk(entry, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(item)) out[scrubText(key)] = walk(entry, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}
