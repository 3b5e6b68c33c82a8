import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { json, startHttpServer, type HttpTestServer } from './__tests__/http-test-server';
import { OutboundRefusedError, OutboundRequestError } from './errors';
import { OutboundPolicy } from './outbound-policy';

describe('OutboundPolicy', () => {
  let server: HttpTestServer;

  beforeEach(async () => {
    server = await startHttpServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
        res.end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(10_000));
      } else if (req.url === '/slow') {
        const timer = setTimeout(() => json(res, 200, { late: true }), 2_000);
        res.on('close', () => clearTimeout(timer));
      } else {
        json(res, 200, { ok: true, host: req.headers.host });
      }
    });
  });

  afterEach(() => server.close());

  it('refuses loopback without the allow-list, and calls it when the host is allowed', async () => {
    await expect(new OutboundPolicy().request({ url: `${server.url}/`, method: 'GET' })).rejects.toThrow(OutboundRefusedError);
    expect(server.requests).toHaveLength(0);
    const allowed = new OutboundPolicy({ allowedHosts: [`127.0.0.1:${server.port}`] });
    const response = await allowed.request({ url: `${server.url}/`, method: 'GET' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, host: `127.0.0.1:${server.port}` });
  });

  it('matches allow-list entries on the port when one is given', async () => {
    const otherPort = new OutboundPolicy({ allowedHosts: [`127.0.0.1:${server.port + 1}`] });
    await expect(otherPort.request({ url: `${server.url}/`, method: 'GET' })).rejects.toThrow(/loopback/);
    const anyPort = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
    await expect(anyPort.request({ url: `${server.url}/`, method: 'GET' })).resolves.toMatchObject({ status: 200 });
  });

  it('refuses private and reserved addresses in any spelling', async () => {
    const policy = new OutboundPolicy();
    for (const url of ['http://10.1.2.3/', 'http://192.168.0.1/', 'http://0x7f.1/', 'http://[::1]/', 'http://[::ffff:10.0.0.1]/', 'http://localhost/', 'http://redis/']) {
      await expect(policy.check(url)).rejects.toThrow(OutboundRefusedError);
    }
  });

  it('refuses metadata endpoints even when the operator allows them', async () => {
    const policy = new OutboundPolicy({ allowedHosts: ['169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal', 'innocent.example.com'] });
    await expect(policy.check('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/metadata/);
    await expect(policy.check('http://[fd00:ec2::254]/')).rejects.toThrow(/metadata/);
    await expect(policy.check('http://[::ffff:169.254.169.254]/')).rejects.toThrow(/metadata/);
    await expect(policy.check('http://metadata.google.internal/computeMetadata/v1/')).rejects.toThrow(/metadata/);
    // An allowed name that resolves to a metadata address.
    const resolving = new OutboundPolicy({ allowedHosts: ['innocent.example.com'], resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    await expect(resolving.check('http://innocent.example.com/')).rejects.toThrow(/metadata/);
  });

  it('refuses a public-looking name that resolves to loopback, and pins the address it checked', async () => {
    const lookups: string[] = [];
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const strict = new OutboundPolicy({ resolve });
    await expect(strict.request({ url: `http://api.example.com:${server.port}/`, method: 'GET' })).rejects.toThrow(/api\.example\.com resolves to a forbidden address/);
    expect(server.requests).toHaveLength(0);

    lookups.length = 0;
    const allowed = new OutboundPolicy({ resolve, allowedHosts: [`api.example.com:${server.port}`] });
    const response = await allowed.request({ url: `http://api.example.com:${server.port}/`, method: 'GET' });
    // The name is looked up once (by the policy) and the connection goes to that address.
    expect(lookups).toEqual(['api.example.com']);
    expect(response.status).toBe(200);
    expect(server.requests[0]?.headers.host).toBe(`api.example.com:${server.port}`);
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    const policy = new OutboundPolicy({ resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }] });
    await expect(policy.check('https://rotating.example.com/')).rejects.toThrow(/10\.0\.0\.5/);
  });

  it('never follows a redirect', async () => {
    const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
    const response = await policy.request({ url: `${server.url}/redirect`, method: 'GET' });
    expect(response.status).toBe(302);
    expect(server.requests.map((r) => r.url)).toEqual(['/redirect']);
    await expect(policy.fetch(`${server.url}/redirect`)).rejects.toThrow(/redirects are not followed/);
  });

  it('caps the response body and says so', async () => {
    const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'], maxResponseBytes: 1_000 });
    const response = await policy.request({ url: `${server.url}/big`, method: 'GET' });
    expect(response.body.length).toBe(1_000);
    expect(response.truncated).toBe(true);
    const small = await policy.request({ url: `${server.url}/`, method: 'GET' });
    expect(small.truncated).toBe(false);
  });

  it('bounds a call in time', async () => {
    const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
    const started = Date.now();
    const error = await policy.request({ url: `${server.url}/slow`, method: 'GET', timeoutMs: 200 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OutboundRequestError);
    expect((error as OutboundRequestError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  describe('kept-alive connections', () => {
    /** A server on every loopback address that counts connections and says on which address each request arrived. */
    async function connectionCountingServer(handle: (socket: Socket, res: ServerResponse, n: number) => void = (_s, res) => json(res, 200, { ok: true })) {
      const connections: string[] = [];
      const sockets = new Set<Socket>();
      let requests = 0;
      const counting: Server = createServer((req, res) => {
        req.resume();
        req.on('end', () => handle(req.socket, res, ++requests));
      });
      counting.on('connection', (socket: Socket) => {
        connections.push(socket.localAddress ?? '');
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => counting.listen(0, '0.0.0.0', resolve));
      const { port } = counting.address() as AddressInfo;
      return {
        port,
        connections,
        close: () => new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          counting.close(() => resolve());
        }),
      };
    }

    it('reuses one connection for safe requests to the same checked address, and opens one per request with a body', async () => {
      const counting = await connectionCountingServer();
      try {
        const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
        for (let i = 0; i < 3; i++) expect((await policy.request({ url: `http://127.0.0.1:${counting.port}/get/${i}`, method: 'GET' })).status).toBe(200);
        expect(counting.connections).toHaveLength(1);
        for (let i = 0; i < 2; i++) expect((await policy.request({ url: `http://127.0.0.1:${counting.port}/post/${i}`, method: 'POST', body: '{}' })).status).toBe(200);
        expect(counting.connections).toHaveLength(3);
      } finally {
        await counting.close();
      }
    });

    it('never takes a request over a connection to another address than the one its check pinned', async () => {
      const counting = await connectionCountingServer((socket, res) => json(res, 200, { arrived_at: socket.localAddress }));
      try {
        let address = '127.0.0.1';
        const policy = new OutboundPolicy({ allowedHosts: [`api.example.com:${counting.port}`], resolve: async () => [{ address, family: 4 }] });
        const arrived = async () => JSON.parse((await policy.request({ url: `http://api.example.com:${counting.port}/`, method: 'GET' })).body.toString('utf8')).arrived_at as string;
        expect(await arrived()).toBe('127.0.0.1');
        // The name now resolves elsewhere: the kept connection to 127.0.0.1 is not used for it.
        address = '127.0.0.2';
        expect(await arrived()).toBe('127.0.0.2');
        address = '127.0.0.1';
        expect(await arrived()).toBe('127.0.0.1');
        expect(counting.connections).toEqual(['127.0.0.1', '127.0.0.2']);
      } finally {
        await counting.close();
      }
    });

    it('sends a safe request again on a new connection when the kept one was closed before any answer', async () => {
      // The second request arrives on the kept connection, and the server drops it unanswered (as
      // one closing an idle connection just then would); the third is the resend.
      const counting = await connectionCountingServer((socket, res, n) => (n === 2 ? socket.destroy() : json(res, 200, { n })));
      try {
        const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
        const n = async () => JSON.parse((await policy.request({ url: `http://127.0.0.1:${counting.port}/`, method: 'GET' })).body.toString('utf8')).n as number;
        expect(await n()).toBe(1);
        expect(await n()).toBe(3);
        expect(counting.connections).toHaveLength(2);
      } finally {
        await counting.close();
      }
    });
  });

  it('fails fast on an invalid allow-list entry', () => {
    expect(() => new OutboundPolicy({ allowedHosts: ['example.com:notaport'] })).toThrow(/invalid allowed host/);
  });
});
