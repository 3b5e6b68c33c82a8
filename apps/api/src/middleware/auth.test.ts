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
