import { runCli } from '../cli';

/** A JSON answer of the fake API. */
export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export interface SentRequest {
  /** `METHOD /path?query`, the path under /api/mesh. */
  request: string;
  /** The JSON body, when there was one. */
  body: unknown;
}

/** The fake API's answers, by `METHOD /path?query` or, failing that, `METHOD /path`. */
export type FakeRoutes = Record<string, () => Response>;

/**
 * Runs `mesh …` through runCli with a fetch that answers from `routes` (404 for any other request)
 * and records each request: what a command asks the API and how it words the answer, without a
 * server.
 */
export async function meshAgainst(args: string[], routes: FakeRoutes = {}) {
  const sent: SentRequest[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(String(input));
    const request = `${init?.method ?? 'GET'} ${url.pathname.replace('/api/mesh', '')}${url.search}`;
    sent.push({ request, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    const route = routes[request] ?? routes[request.split('?')[0]!];
    return route ? route() : json({ error: { code: 'not_found', message: `no route ${request} in the test` } }, 404);
  }) as typeof fetch;
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
    env: { MESH_URL: 'http://api.test', MESH_API_KEY: 'key-1' },
    fetch: fetchImpl,
  });
  return { code, stdout, stderr, sent, requests: sent.map((s) => s.request) };
}
