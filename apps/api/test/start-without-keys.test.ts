import { createTestEnv, launchApp, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { client } from './api-harness';

/**
 * The API started with no key configured anywhere (neither MESH_API_KEYS nor an active hashed key
 * in api_keys): production refuses to start and says how to make a key; development makes one up
 * for this run and prints it once, beside the console URL, for the person at the terminal.
 */

const BANNER = /^Agent Mesh API on (http:\/\/127\.0\.0\.1:\d+) — console: (\S+) — development key \(this run only\): (mesh_[A-Za-z0-9_-]{32})$/;

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** The URL of the `api listening` line. */
async function listeningUrl(api: LaunchedProcess): Promise<string> {
  return (JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()) as { url: string }).url;
}

/** A development API's banner: its URL, console URL and key. */
async function banner(api: LaunchedProcess): Promise<{ url: string; consoleUrl: string; key: string; line: string }> {
  const line = await api.waitForLine(BANNER);
  const [, url, consoleUrl, key] = BANNER.exec(line) as unknown as [string, string, string, string];
  return { url, consoleUrl, key, line };
}

let t: TestEnv;
beforeEach(async () => {
  t = await createTestEnv('start-without-keys');
});
afterEach(async () => {
  await t?.cleanup();
});

const noKeys = (nodeEnv: string) => ({ ...t.env, NODE_ENV: nodeEnv, MESH_API_KEYS: '', PORT: '0', HOST: '127.0.0.1' });

describe('production with no key anywhere', () => {
  it('exits 1 before listening, with one line naming MESH_API_KEYS and the command that makes a key', async () => {
    const api = await launchApp('api', noKeys('production'), { waitReady: false });
    expect((await api.exited).code).toBe(1);
    const lines = api.lines.filter((l) => l.trim() !== '');
    expect(lines.some((l) => l.includes('api listening'))).toBe(false);
    const message = lines.filter((l) => !isJson(l));
    expect(message).toHaveLength(1);
    expect(message[0]).toContain('MESH_API_KEYS');
    expect(message[0]).toContain('npm run keys -- create --tenant <name>');
  });
});

describe('development with no key anywhere', () => {
  it('prints a key for this run beside the console URL; the key works, is stored nowhere and shows in no log line', async () => {
    const api = await launchApp('api', noKeys('development'));
    const first = await banner(api).catch(async (err: unknown) => {
      await api.stop();
      throw err;
    });
    let networkId = '';
    try {
      expect(first.url).toBe(await listeningUrl(api));
      expect(first.consoleUrl).toBe(`${first.url}/console/`);
      const call = client(first.url);

      const network = await call('POST', '/networks', { key: first.key, json: { name: 'Made with the development key' } });
      expect(network.status).toBe(201);
      networkId = network.body.id as string;
      expect((await call('GET', `/networks/${networkId}`, { key: first.key })).status).toBe(200);
      // The console and the operator surfaces take it too (Basic, key as password, as a browser sends it).
      const basic = { authorization: `Basic ${Buffer.from(`me:${first.key}`).toString('base64')}` };
      expect((await fetch(first.consoleUrl, { headers: basic })).status).toBe(200);
      expect((await fetch(`${first.url}/metrics`, { headers: basic })).status).toBe(200);
      // Its tenant is `dev`; nothing else gets in.
      expect((await t.db.query('SELECT tenant_id FROM networks WHERE id = $1', [networkId])).rows).toEqual([{ tenant_id: 'dev' }]);
      expect((await call('GET', '/networks', { key: null })).status).toBe(401);
      expect((await call('GET', '/networks', { key: 'key-tenant-a-123' })).status).toBe(401);
      // A request line that would carry the key (its path does) has it scrubbed.
      expect((await call('GET', `/no-such-route-${first.key}`, { key: first.key })).status).toBe(404);
      await api.waitForLine((l) => l.includes('"path":"/api/mesh/no-such-route-[redacted]"'));
    } finally {
      await api.stop();
    }
    // Never written to the database.
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_keys')).rows).toEqual([{ n: 0 }]);
    // On the terminal exactly once, in the banner; in no JSON log line.
    expect(api.lines.filter((l) => l.includes(first.key))).toEqual([first.line]);
    expect(api.lines.filter(isJson).length).toBeGreaterThan(3);

    // The next start makes another key: the old one is refused, the new one sees the same `dev` tenant's data.
    const again = await launchApp('api', noKeys('development'));
    try {
      const second = await banner(again);
      expect(second.key).not.toBe(first.key);
      const call = client(second.url);
      expect((await call('GET', `/networks/${networkId}`, { key: first.key })).status).toBe(401);
      expect((await call('GET', `/networks/${networkId}`, { key: second.key })).status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);

  it('makes up no key when one is configured: an active hashed key in api_keys, or MESH_API_KEYS', async () => {
    const stored = await t.store.apiKeys.create('tenant-stored');
    const withStored = await launchApp('api', noKeys('development'));
    try {
      const call = client(await listeningUrl(withStored));
      expect((await call('GET', '/networks', { key: stored.key })).status).toBe(200);
    } finally {
      await withStored.stop();
    }
    const withEnvKeys = await launchApp('api', { ...noKeys('development'), MESH_API_KEYS: 'tenant-env:key-from-env-123' });
    try {
      const call = client(await listeningUrl(withEnvKeys));
      expect((await call('GET', '/networks', { key: 'key-from-env-123' })).status).toBe(200);
    } finally {
      await withEnvKeys.stop();
    }
    // Read after the processes ended, so that a banner written late cannot be missed.
    for (const api of [withStored, withEnvKeys]) {
      expect(api.lines.filter((l) => /development key|mesh_[A-Za-z0-9_-]{32}/.test(l))).toEqual([]);
    }
  }, 60_000);
});

describe('NODE_ENV=test with no key anywhere', () => {
  it('starts and says that every request will be refused', async () => {
    const api = await launchApp('api', noKeys('test'));
    try {
      await api.waitForLine(/"level":"warn","message":"no API key is configured \(MESH_API_KEYS, npm run keys -- create\): every request answers 401"/);
      expect((await client(await listeningUrl(api))('GET', '/networks', { key: 'key-tenant-a-123' })).status).toBe(401);
    } finally {
      await api.stop();
    }
    expect(api.lines.some((l) => l.includes('development key'))).toBe(false);
  });
});
