import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger';
import type { MeshMetrics } from './metrics';

export interface OpsServerOptions {
  /** METRICS_PORT; 0 picks a free port (tests). */
  port: number;
  host?: string;
  metrics: MeshMetrics;
  /** Readiness: dependencies reachable and the process taking work (false while starting and draining). */
  isReady: () => Promise<boolean> | boolean;
  logger: Logger;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * The small HTTP server of a coordinator or worker process: `/metrics` (Prometheus), `/livez`
 * (the process answers) and `/readyz` (it can do work). No authentication: bind it to a port
 * that only the scraper and the orchestrator reach.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/metrics': {
        const { contentType, body } = await options.metrics.render();
        return reply(res, 200, contentType, body);
      }
      case '/livez':
        return reply(res, 200, 'application/json', '{"status":"ok"}');
      case '/readyz': {
        const ready = await Promise.resolve(options.isReady()).catch(() => false);
        return reply(res, ready ? 200 : 503, 'application/json', ready ? '{"status":"ready"}' : '{"status":"not_ready"}');
      }
      default:
        return reply(res, 404, 'text/plain', 'not found\n');
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger.warn('ops endpoint failed', { path: req.url, error: err });
      if (!res.headersSent) reply(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
