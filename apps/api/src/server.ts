import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiDeps } from './api-deps';
import { createApp } from './app';
import { answerClientError } from './http-parse-errors';

export interface ApiServer {
  url: string;
  /** Stops accepting connections and lets requests in flight finish (forced after the drain timeout). */
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** Default: config.http.port and config.http.host. */
  port?: number;
  host?: string;
  /** How long in-flight requests (a `?wait` can last 120 s) may run on after close. */
  drainTimeoutMs?: number;
}

const DEFAULTS = { drainTimeoutMs: 10_000 };

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startApiServer(deps: ApiDeps, options: ApiServerOptions = {}): Promise<ApiServer> {
  // Both so that malformed requests are answered in the error shape (see http-parse-errors.ts, middleware/require-host.ts).
  const server = createServer({ requireHostHeader: false }, createApp(deps));
  server.on('clientError', answerClientError);
  const host = options.host ?? deps.config.http.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? deps.config.http.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
