import { startFakeProviderServer } from './fake-provider-server';

/**
 * Runs the fake provider server on its own, for benchmarks and manual runs:
 *   node packages/testing/dist/fake-provider/cli.js [port] [latencyMs]
 * Prints one JSON line with the base URLs, then serves until SIGINT/SIGTERM. Faults are set
 * through its /_control routes.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const latency = Number(process.argv[3] ?? 0);
  const server = await startFakeProviderServer({ port, latencyMs: { anthropic: latency, openai: latency, google: latency } });
  process.stdout.write(`${JSON.stringify({ url: server.url, baseUrls: server.baseUrls })}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
