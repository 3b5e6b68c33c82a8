import type { MeshConfig } from '@mesh/config';
import { createLogger, type Logger, type LogLevel } from '@mesh/observability';
import { isClusterUrl, parseClusterUrl } from '@mesh/queue';

/** Shorter values are not scrubbed: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;
const REDACTED = '[redacted]';

function passwordOf(url: string | undefined): string[] {
  if (!url) return [];
  // A cluster URL lists several hosts, which WHATWG URLs cannot: the connection factory's own parser reads it.
  if (isClusterUrl(url)) {
    try {
      const { password } = parseClusterUrl(url);
      return password ? [password] : [];
    } catch {
      return [];
    }
  }
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}

/**
 * Every secret value the configuration holds: provider keys, API keys, the webhook secret, the
 * passwords in DATABASE_URL, REDIS_URL and MESH_SMTP_URL, the OTLP headers' values, the tools'
 * MESH_SECRET_<NAME> values.
 */
export function configuredSecrets(config: Pick<MeshConfig, 'llm' | 'apiKeys' | 'webhooks' | 'database' | 'redisUrl' | 'tracing' | 'tools'>): string[] {
  const values = [
    ...Object.values(config.llm.keys),
    ...config.apiKeys.map((k) => k.key),
    config.webhooks.secret,
    ...passwordOf(config.database.url),
    ...passwordOf(config.redisUrl),
    ...Object.values(config.tracing.otlpHeaders),
    ...passwordOf(config.tools.smtp?.url),
    ...Object.values(config.tools.secrets),
  ];
  return scrubList(values);
}

/** The values worth scrubbing, each once, longest first (so a secret containing another is replaced whole). */
function scrubList(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** `value` with every occurrence of every secret replaced, at any depth (Errors become {name, message}). */
export function scrubSecretValues(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (secrets.length === 0 || depth > 8) return value;
  if (typeof value === 'string') return secrets.reduce((text, secret) => (text.includes(secret) ? text.split(secret).join(REDACTED) : text), value);
  if (Array.isArray(value)) return value.map((v) => scrubSecretValues(v, secrets, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: scrubSecretValues(value.message, secrets, depth + 1), ...(value.stack ? { stack: scrubSecretValues(value.stack, secrets, depth + 1) } : {}) };
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubSecretValues(v, secrets, depth + 1)]));
  }
  return value;
}

/**
 * A logger that removes the configured secret values from every line before the inner logger
 * (which redacts secret-looking keys and well-known key shapes) writes it. Catches what a pattern
 * cannot: a provider echoing a key of no known shape in its error message, an OpenAI-compatible
 * server's key, a database password inside a connection error.
 */
export function scrubbingLogger(inner: Logger, secrets: readonly string[]): Logger {
  if (secrets.length === 0) return inner;
  const scrub = (fields?: Record<string, unknown>) => (fields === undefined ? undefined : (scrubSecretValues(fields, secrets) as Record<string, unknown>));
  const text = (message: string) => scrubSecretValues(message, secrets) as string;
  // Scrubbing costs more than writing the line: skip it for lines the level drops anyway.
  const enabled = (level: LogLevel) => inner.isEnabled?.(level) ?? true;
  return {
    error: (message, fields) => {
      if (enabled('error')) inner.error(text(message), scrub(fields));
    },
    warn: (message, fields) => {
      if (enabled('warn')) inner.warn(text(message), scrub(fields));
    },
    info: (message, fields) => {
      if (enabled('info')) inner.info(text(message), scrub(fields));
    },
    debug: (message, fields) => {
      if (enabled('debug')) inner.debug(text(message), scrub(fields));
    },
    child: (fields) => scrubbingLogger(inner.child(scrub(fields) ?? {}), secrets),
    isEnabled: enabled,
  };
}

/**
 * A process's logger: structured lines from which every configured secret is scrubbed, whatever its
 * shape, and `moreSecrets`, values the process makes up itself (the API's development key).
 */
export function processLogger(service: string, config: MeshConfig, moreSecrets: readonly string[] = []): Logger {
  return scrubbingLogger(createLogger({ service, level: config.logLevel }), scrubList([...configuredSecrets(config), ...moreSecrets]));
}
