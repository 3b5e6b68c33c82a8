import type { Logger } from '@mesh/observability';

type LogFn = (message: string, ...rest: unknown[]) => void;

/** The logger shape the Anthropic and OpenAI SDKs accept, writing to ours. */
export function sdkLogger(logger: Logger, provider: string): { error: LogFn; warn: LogFn; info: LogFn; debug: LogFn } {
  const fields = (rest: unknown[]) => ({ provider, ...(rest.length > 0 ? { detail: rest.map(String).join(' ') } : {}) });
  return {
    error: (message, ...rest) => logger.error(String(message), fields(rest)),
    warn: (message, ...rest) => logger.warn(String(message), fields(rest)),
    info: (message, ...rest) => logger.debug(String(message), fields(rest)),
    debug: (message, ...rest) => logger.debug(String(message), fields(rest)),
  };
}
