import { ConfigError, loadConfig } from '@mesh/config';

const BASE = { NODE_ENV: 'test', MESH_API_KEYS: 'tenant-a:key-tenant-a-123' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('API configuration', () => {
  it('reads the API settings', () => {
    const config = loadConfig({ ...BASE, PORT: '9090', MESH_RATE_LIMIT_PER_MINUTE: '0', MESH_MAX_QUEUED_TASKS_PER_TENANT: '7', MESH_BODY_LIMIT_BYTES: '2048' });
    expect(config.http).toMatchObject({ port: 9090, bodyLimitBytes: 2048 });
    expect(config.limits).toEqual({ requestsPerMinute: 0, maxQueuedTasksPerTenant: 7 });
    expect(config.apiKeys).toEqual([{ tenantId: 'tenant-a', key: 'key-tenant-a-123' }]);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['MESH_RATE_LIMIT_PER_MINUTE', '-1'],
    ['MESH_MAX_QUEUED_TASKS_PER_TENANT', 'lots'],
    ['MESH_BODY_LIMIT_BYTES', '10'],
    ['MESH_API_KEYS', 'no-colon-here'],
    ['MESH_API_KEYS', 'tenant-a:short'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['DATABASE_URL', 'not a url'],
    ['MESH_DB_SCHEMA', 'Robert"); DROP TABLE'],
    ['MESH_DB_SCHEMA', 'Mesh'],
    ['MESH_DB_SCHEMA', '1mesh'],
    ['MESH_QUEUE_PREFIX', 'mesh queue'],
    ['MESH_QUEUE_PREFIX', 'mesh:queue'],
    ['MESH_QUEUE_PREFIX', 'q'.repeat(65)],
    ['LOG_LEVEL', 'loud'],
  ])('names %s when it is %j', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.variables).toContain(variable);
    expect(err.message).toContain(variable);
  });

  it('loads in production without MESH_API_KEYS: hashed keys in the database count (the API checks them at start, see keys.test.ts)', () => {
    const config = loadConfig({ ...BASE, NODE_ENV: 'production', MESH_API_KEYS: '' });
    expect(config.env).toBe('production');
    expect(config.apiKeys).toEqual([]);
  });

  it('reads the content-safety settings, with redaction and withholding on by default', () => {
    expect(loadConfig(BASE).safety).toEqual({ blocklist: [], patterns: [], pii: 'redact', action: 'withhold', moderation: 'auto' });
    const config = loadConfig({
      ...BASE,
      MESH_SAFETY_BLOCKLIST: ' alpha , beta gamma,, ',
      MESH_SAFETY_PATTERNS: JSON.stringify(['acme-\\d+', '(?:top )?secret']),
      MESH_SAFETY_PII: 'off',
      MESH_SAFETY_ACTION: 'redact',
      MESH_SAFETY_MODERATION: 'off',
    });
    expect(config.safety).toEqual({ blocklist: ['alpha', 'beta gamma'], patterns: ['acme-\\d+', '(?:top )?secret'], pii: 'off', action: 'redact', moderation: 'off' });
  });

  it.each([
    ['MESH_SAFETY_PATTERNS', 'not json'],
    ['MESH_SAFETY_PATTERNS', '{"a": 1}'],
    ['MESH_SAFETY_PATTERNS', '["ok", ""]'],
    ['MESH_SAFETY_PATTERNS', '["(unclosed"]'],
    ['MESH_SAFETY_PII', 'mask'],
    ['MESH_SAFETY_ACTION', 'block'],
    ['MESH_SAFETY_MODERATION', 'on'],
  ])('names %s when it is %j', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.variables).toEqual([variable]);
    expect(err.message).toContain(variable);
  });
});
