import { connect, createServer, type Socket } from 'node:net';

/**
 * Opens `port` on 127.0.0.1 and forwards every connection to `target` (the test Postgres by
 * default): a service "coming back" on an address that refused connections until now.
 * The returned function closes the port and cuts the forwarded connections.
 */
export async function openTcpProxy(port: number, target: { host: string; port: number } = { host: '127.0.0.1', port: 5432 }): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
