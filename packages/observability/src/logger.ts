import { trace } from '@opentelemetry/api';
import winston from 'winston';

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** False when lines of this level are dropped: callers (and wrappers) can skip building them. Absent: assume true. */
  isEnabled?(level: LogLevel): boolean;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const SECRET_KEY = /(authorization|api[-_]?key|password|secret|token(?!s)|cookie|x-api-key)/i;
// Values that look like credentials wherever they appear in a string.
const SECRET_VALUE = /\b(sk-[A-Za-z0-9_-]{8,}|sk-ant-[A-Za-z0-9_-]{8,}|AIza[A-Za-z0-9_-]{20,}|Bearer\s+[A-Za-z0-9._~+/=-]{6,}|Basic\s+[A-Za-z0-9+/=]{6,})/g;

/** Replaces anything that could be a secret, at any depth, before a log line is written. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key) ? '[redacted]' : redact((info as Record<string, unknown>)[key]);
  }
  return info;
});

export interface LoggerOptions {
  level?: string;
  service: string;
  /** Defaults to stdout; tests pass a stream to inspect lines. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

/**
 * The active span's ids, so every line written while a traced request or job runs carries its
 * `trace_id` (fields given explicitly win).
 */
function withTrace(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return fields;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId, ...fields };
}

// Lines below the level are dropped before their trace ids are looked up: a worker at warn
// level skips thousands of info lines a second.
class WinstonLogger implements Logger {
  constructor(private readonly inner: winston.Logger) {}
  error(message: string, fields?: Record<string, unknown>) {
    if (this.inner.isErrorEnabled()) this.inner.error(message, withTrace(fields));
  }
  warn(message: string, fields?: Record<string, unknown>) {
    if (this.inner.isWarnEnabled()) this.inner.warn(message, withTrace(fields));
  }
  info(message: string, fields?: Record<string, unknown>) {
    if (this.inner.isInfoEnabled()) this.inner.info(message, withTrace(fields));
  }
  debug(message: string, fields?: Record<string, unknown>) {
    if (this.inner.isDebugEnabled()) this.inner.debug(message, withTrace(fields));
  }
  child(fields: Record<string, unknown>): Logger {
    return new WinstonLogger(this.inner.child(fields));
  }
  isEnabled(level: LogLevel): boolean {
    return this.inner.isLevelEnabled(level);
  }
}

/** JSON lines, one per event, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  const inner = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), redactFormat(), winston.format.json()),
    transports: [transport],
  });
  return new WinstonLogger(inner);
}

/** For tests and library defaults. */
export const nullLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return nullLogger;
  },
};
