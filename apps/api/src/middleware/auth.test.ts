import crypto from 'node:crypto';
import { ApiKeyResolver } from './auth';

function fakeKeyStore(keys: Record<string, string>) {
  const lookups: string[] = [];
  return {
    lookups,
    keys,
    async tenantFor(key: string) {
      lookups.push(key);
      return keys[key] ?? null;
    },
  };
}

describe('ApiKeyResolver', () => {
  it('matches configured keys without touching the table', async () => {
    const store = fakeKeyStore({});
    const resolver = new ApiKeyResolver({ apiKeys: [{ tenantId: 'a', key: 'key-a-12345' }, { tenantId: 'b', key: 'key-b-12345' }], keyStore: store });
    expect(await resolver.tenantFor('key-b-12345')).toBe('b');
    expect(await resolver.tenantFor('key-a-12345')).toBe('a');
    expect(store.lookups).toEqual([]);
  });

  it('caches table lookups, misses too, for the TTL only: revocation and new keys take effect after it', async () => {
    let clock = 1_000;
    const store = fakeKeyStore({ 'stored-key-1': 'tenant-s' });
    const resolver = new ApiKeyResolver({ apiKeys: [], keyStore: store, cacheTtlMs: 5_000, now: () => clock });
    expect(await resolver.tenantFor('stored-key-1')).toBe('tenant-s');
    expect(await resolver.tenantFor('unknown-key-1')).toBeNull();
    expect(await resolver.tenantFor('stored-key-1')).toBe('tenant-s');
    expect(await resolver.tenantFor('unknown-key-1')).toBeNull();
    expect(store.lookups).toEqual(['stored-key-1', 'unknown-key-1']);

    delete store.keys['stored-key-1'];
    store.keys['unknown-key-1'] = 'tenant-new';
    clock += 4_999;
    expect(await resolver.tenantFor('stored-key-1')).toBe('tenant-s');
    clock += 2;
    expect(await resolver.tenantFor('stored-key-1')).toBeNull();
    expect(await resolver.tenantFor('unknown-key-1')).toBe('tenant-new');
  });

  it('with no key configured at all, accepts only stored keys (never runs open)', async () => {
    const resolver = new ApiKeyResolver({ apiKeys: [], keyStore: fakeKeyStore({}) });
    expect(await resolver.tenantFor('anything-at-all')).toBeNull();
    expect(await resolver.tenantFor('')).toBeNull();
  });
});

describe('constant-time comparison of configured keys', () => {
  const KEYS = [
    { tenantId: 'a', key: 'key-a-12345' },
    { tenantId: 'b', key: `key-b-${'x'.repeat(40)}` },
  ];
  const sha256 = (value: string) => crypto.createHash('sha256').update(value, 'utf8').digest();
  // `auth.ts` calls `timingSafeEqual` through the `node:crypto` module object at call time, so a spy on it sees every comparison.
  let compare: jest.SpiedFunction<typeof crypto.timingSafeEqual>;
  beforeEach(() => {
    compare = jest.spyOn(crypto, 'timingSafeEqual');
  });
  afterEach(() => {
    compare.mockRestore();
  });

  /** What each timingSafeEqual call compared: the candidate's digest against a configured key's digest. */
  const comparisons = () =>
    compare.mock.calls.map(([candidate, configured]) => ({
      candidate: Buffer.from(candidate as Uint8Array).toString('hex'),
      configured: Buffer.from(configured as Uint8Array).toString('hex'),
      bytes: [(candidate as Uint8Array).byteLength, (configured as Uint8Array).byteLength],
    }));
  const expected = (candidate: string) =>
    KEYS.map((entry) => ({ candidate: sha256(candidate).toString('hex'), configured: sha256(entry.key).toString('hex'), bytes: [32, 32] }));

  it.each([
    ['a hit on the first key', KEYS[0]!.key, 'a'],
    ['a hit on the last key', KEYS[1]!.key, 'b'],
    ['a miss of the same length as a key', 'key-a-99999', null],
    ['a miss one character longer than a key', `${KEYS[0]!.key}5`, null],
    ['a miss much shorter than every key', 'k', null],
    ['a miss much longer than every key', 'k'.repeat(500), null],
  ])('%s: SHA-256 digests of 32 bytes compared with timingSafeEqual, against every configured key', async (_case, candidate, tenant) => {
    const resolver = new ApiKeyResolver({ apiKeys: KEYS, keyStore: fakeKeyStore({}) });
    expect(await resolver.tenantFor(candidate)).toBe(tenant);
    // One comparison per configured key, whatever the outcome: no early exit on a hit, and none on length.
    expect(comparisons()).toEqual(expected(candidate));
  });
});

describe('extractApiKey', () => {
  const { extractApiKey } = jest.requireActual<typeof import('./auth')>('./auth');
  const request = (headers: Record<string, string>) => ({ get: (name: string) => headers[name.toLowerCase()] }) as never;

  it('reads Bearer, Basic (the key as password, any user) and X-API-Key', () => {
    expect(extractApiKey(request({ authorization: 'Bearer key-123456' }))).toBe('key-123456');
    expect(extractApiKey(request({ authorization: `Basic ${Buffer.from('tenant-a:key-123456').toString('base64')}` }))).toBe('key-123456');
    expect(extractApiKey(request({ authorization: `Basic ${Buffer.from(':key:with:colons').toString('base64')}` }))).toBe('key:with:colons');
    expect(extractApiKey(request({ 'x-api-key': ' key-123456 ' }))).toBe('key-123456');
  });

  it('refuses malformed Basic credentials and absurdly long keys', () => {
    expect(extractApiKey(request({ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }))).toBeNull();
    expect(extractApiKey(request({ authorization: 'Basic !!!' }))).toBeNull();
    expect(extractApiKey(request({ authorization: `Bearer ${'k'.repeat(600)}` }))).toBeNull();
  });
});
