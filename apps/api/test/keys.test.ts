import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorBody } from '@mesh/core';
import { createTestEnv, launchApp, REPO_ROOT, type TestEnv } from '@mesh/testing';
import { checkApiKeyAvailability } from '../src/api-key-availability';
import { client, KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * `npm run keys`: hashed API keys managed from the command line, used by the API without a
 * restart; and the production rule that the API refuses to start with no key at all.
 */

const KEYS_CLI = join(REPO_ROOT, 'packages', 'store', 'dist', 'cli', 'keys.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const keysCli = (args: string[], env: Record<string, string>) => run(process.execPath, [KEYS_CLI, ...args], env);

/** The key and id a `create` printed. */
function created(result: CliResult): { id: string; key: string } {
  const id = /Created API key ([0-9a-f-]{36})/.exec(result.stdout)?.[1];
  const key = /^(mesh_[A-Za-z0-9_-]{20,})$/m.exec(result.stdout)?.[1];
  if (!id || !key) throw new Error(`create printed no id and key:\n${result.stdout}\n${result.stderr}`);
  return { id, key };
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

let h: ApiHarness;
beforeAll(async () => {
  if (!existsSync(KEYS_CLI)) throw new Error(`${KEYS_CLI} is missing: build first (npx turbo run build)`);
  h = await startApiHarness('keys-cli');
});
afterAll(async () => {
  await h?.close();
});

describe('npm run keys', () => {
  it('creates a key that is printed once, stored only as its hash, and works at once', async () => {
    // Through the root script, as an operator would run it.
    const result = await run('npm', ['run', '--silent', 'keys', '--', 'create', '--tenant', 'tenant-cli', '--label', 'ci key'], h.t.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { id, key } = created(result);
    expect(result.stdout).toContain('shown only this once');

    const { rows } = await h.t.db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenant_id: 'tenant-cli', label: 'ci key', key_hash: sha256(key), revoked_at: null });
    const allKeys = JSON.stringify((await h.t.db.query('SELECT * FROM api_keys')).rows);
    expect(allKeys).not.toContain(key);
    expect(allKeys).not.toContain(key.slice(5, 25));

    const network = await h.call('POST', '/networks', { key, json: { name: 'Made with a CLI key' } });
    expect(network.status).toBe(201);
    expect((await h.call('GET', `/networks/${network.body.id}`, { key })).status).toBe(200);
    // Its tenant is tenant-cli: not A's, not B's.
    expect((await h.call('GET', `/networks/${network.body.id}`)).status).toBe(404);
    expect((await h.call('GET', `/networks/${network.body.id}`, { key: KEY_B })).status).toBe(404);
  });

  it('lists keys without ever printing a key or a hash', async () => {
    const [first, second] = (await Promise.all([keysCli(['create', '--tenant', 'tenant-list', '--label', 'first'], h.t.env), keysCli(['create', '--tenant', 'tenant-other'], h.t.env)])).map(created) as [
      { id: string; key: string },
      { id: string; key: string },
    ];
    const [all, onlyOne] = await Promise.all([keysCli(['list'], h.t.env), keysCli(['list', '--tenant', 'tenant-list'], h.t.env)]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`${first.id}\\s+tenant-list\\s+first\\s+\\S+\\s+active`));
    expect(all.stdout).toContain(second.id);
    expect(onlyOne.stdout).toContain(first.id);
    expect(onlyOne.stdout).not.toContain(second.id);
    for (const output of [all.stdout, onlyOne.stdout]) {
      for (const k of [first, second]) {
        expect(output).not.toContain(k.key);
        expect(output).not.toContain(sha256(k.key));
      }
      expect(output).not.toMatch(/mesh_[A-Za-z0-9_-]{20,}|[0-9a-f]{64}/);
    }
  });

  it('rotates keys without a restart: the new key works at once, the revoked one stops within the cache time', async () => {
    const { id, key } = created(await keysCli(['create', '--tenant', 'tenant-revoked'], h.t.env));
    expect((await h.call('GET', '/networks', { key })).status).toBe(200); // now cached as valid
    const replacement = created(await keysCli(['create', '--tenant', 'tenant-revoked', '--label', 'rotated'], h.t.env));
    expect((await h.call('GET', '/networks', { key: replacement.key })).status).toBe(200);
    const revoked = await keysCli(['revoke', id], h.t.env);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(revoked.stdout).toContain(`Revoked API key ${id}`);
    // The resolver trusts a lookup for at most 5 s; poll well past that.
    const until = Date.now() + 15_000;
    let status = 200;
    while (status !== 401 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await h.call('GET', '/networks', { key })).status;
    }
    expect(status).toBe(401);
    expect((await h.call('GET', '/networks', { key: replacement.key })).status).toBe(200);
    expect((await keysCli(['list', '--tenant', 'tenant-revoked'], h.t.env)).stdout).toMatch(new RegExp(`${id}.*revoked`));
    // A second revoke finds nothing to do.
    const again = await keysCli(['revoke', id], h.t.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No active API key with id ${id}`);
  });

  it('refuses bad command lines with usage (exit 2) and changes nothing', async () => {
    const before = (await h.t.db.query('SELECT count(*) FROM api_keys')).rows[0];
    const cases: [string[], string][] = [
      [['create'], '--tenant is required'],
      [['create', '--tenant', 'bad tenant!'], '--tenant must be'],
      [['create', '--tenant', 'x', '--colour', 'red'], "Unknown option '--colour'"],
      [['revoke', 'not-a-uuid'], 'revoke takes one key id'],
      [['revoke'], 'revoke takes one key id'],
      [['rotate'], 'unknown command "rotate"'],
    ];
    const results = await Promise.all(cases.map(([args]) => keysCli(args, h.t.env)));
    cases.forEach(([args, message], i) => {
      const result = results[i]!;
      expect({ args, code: result.code, message: result.stderr.includes(message), usage: result.stderr.includes('Usage:') }).toEqual({ args, code: 2, message: true, usage: true });
    });
    expect((await h.t.db.query('SELECT count(*) FROM api_keys')).rows[0]).toEqual(before);
  });
});

describe('production without MESH_API_KEYS', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await createTestEnv('keys-production');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('refuses to start until the api_keys table has an active key, then serves that key', async () => {
    const env = { ...t.env, NODE_ENV: 'production', MESH_API_KEYS: '', PORT: '0', HOST: '127.0.0.1' };
    const refused = await launchApp('api', env, { waitReady: false });
    const exit = await refused.exited;
    expect(exit.code).toBe(1);
    const output = refused.lines.join('\n');
    expect(output).toContain('MESH_API_KEYS');
    expect(output).toContain('npm run keys -- create');

    const { id, key } = created(await keysCli(['create', '--tenant', 'tenant-prod'], t.env));
    const api = await launchApp('api', env);
    try {
      const url = JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()).url as string;
      const call = client(url);
      expect((await call('GET', '/networks', { key })).status).toBe(200);
      const wrong = await call('GET', '/networks', { key: 'key-tenant-a-123' });
      expect(wrong.status).toBe(401);
      ErrorBody.parse(wrong.body);
    } finally {
      await api.stop();
    }

    // Revoked, the only key no longer counts (the same check the process runs at start).
    expect((await keysCli(['revoke', id], t.env)).code).toBe(0);
    const production = { env: 'production' as const, apiKeys: [] };
    const unused = 'development-key-unused';
    await expect(checkApiKeyAvailability(production, t.store.apiKeys, unused)).rejects.toThrow(/MESH_API_KEYS.*npm run keys -- create/);
    await expect(checkApiKeyAvailability({ ...production, apiKeys: [{ tenantId: 'a', key: 'key-from-env-123' }] }, t.store.apiKeys, unused)).resolves.toEqual({ kind: 'configured' });
    await expect(checkApiKeyAvailability({ ...production, env: 'development' }, t.store.apiKeys, unused)).resolves.toEqual({ kind: 'development', entry: { tenantId: 'dev', key: unused } });
    await expect(checkApiKeyAvailability({ ...production, env: 'test' }, t.store.apiKeys, unused)).resolves.toEqual({ kind: 'none' });
  }, 60_000);
});
