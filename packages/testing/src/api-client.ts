export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiClient {
  url: string;
  request<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
}

/** A small client for tests: JSON in and out, the API key as a bearer token, paths under /api/mesh. */
export function createApiClient(url: string, apiKey: string): ApiClient {
  return {
    url,
    async request(method, path, body) {
      const res = await fetch(`${url}/api/mesh${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
  };
}

/** A free TCP port on 127.0.0.1 (for processes that must be told their port up front). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
