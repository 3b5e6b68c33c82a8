import { loadConfig } from '@mesh/config';
import type { Logger } from '@mesh/observability';
import { configuredSecrets, scrubbingLogger, scrubSecretValues } from './secret-scrubber';

function recordingLogger(lines: unknown[][] = []): Logger & { lines: unknown[][] } {
  const make = (bound: Record<string, unknown>): Logger => ({
    error: (m, f) => lines.push(['error', m, { ...bound, ...f }]),
    warn: (m, f) => lines.push(['warn', m, { ...bound, ...f }]),
    info: (m, f) => lines.push(['info', m, { ...bound, ...f }]),
    debug: (m, f) => lines.push(['debug', m, { ...bound, ...f }]),
    child: (f) => make({ ...bound, ...f }),
  });
  return Object.assign(make({}), { lines });
}

describe('configuredSecrets', () => {
  it('collects provider keys, API keys, the webhook secret and URL passwords, longest first', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      MESH_API_KEYS: 'a:api-key-aaaaaaaa,b:api-key-bbbbbbbbbbbb',
      OPENAI_API_KEY: 'local-openai-key-1234',
      ANTHROPIC_API_KEY: 'sk-ant-xyz-0987654321',
      MESH_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      DATABASE_URL: 'postgres://user:db%40password99@db.internal:5432/mesh',
      REDIS_URL: 'redis://:redis-password-1@cache:6379',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-token-123456,x-short=abc',
    });
    expect(configuredSecrets(config)).toEqual(
      expect.arrayContaining(['local-openai-key-1234', 'sk-ant-xyz-0987654321', 'api-key-aaaaaaaa', 'api-key-bbbbbbbbbbbb', 'webhook-secret-0123456789', 'db@password99', 'redis-password-1', 'Bearer otlp-token-123456']),
    );
    expect(configuredSecrets(config)).not.toContain('abc');
    const lengths = configuredSecrets(config).map((s) => s.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
  });

  it('collects the password of a redis-cluster:// URL, whose several hosts no URL parser takes', () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis-cluster://mesh:cluster%3Apassword-7@10.0.0.1:6379,10.0.0.2:6379', MESH_QUEUE_PREFIX: '{mesh}' });
    expect(configuredSecrets(config)).toContain('cluster:password-7');
  });

  it("collects the tools' MESH_SECRET_<NAME> values and the MESH_SMTP_URL password", () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      MESH_SECRET_ANALYTICS_TOKEN: 'analytics-token-0123456789',
      MESH_SECRET_CRM: 'crm-secret-9876543210',
      MESH_SMTP_URL: 'smtps://mailer:smtp%40password-42@smtp.example.com:465',
      MESH_EMAIL_FROM: 'mesh@example.com',
    });
    expect(configuredSecrets(config)).toEqual(expect.arrayContaining(['analytics-token-0123456789', 'crm-secret-9876543210', 'smtp@password-42']));
  });
});

describe('scrubbingLogger', () => {
  const secrets = ['local-openai-key-1234', 'db@password99'];

  it('removes secret values from messages, fields at any depth, errors and child bindings', () => {
    const inner = recordingLogger();
    const logger = scrubbingLogger(inner, secrets);
    logger.warn('provider said: Incorrect API key provided: local-openai-key-1234', {
      error: new Error('connect to postgres://u:db@password99@h failed'),
      nested: { list: ['x', 'key=local-openai-key-1234;'] },
      count: 3,
    });
    logger.child({ url: 'postgres://u:db@password99@h' }).info('child line');
    expect(JSON.stringify(inner.lines)).not.toMatch(/local-openai-key-1234|db@password99/);
    expect(inner.lines[0]).toEqual([
      'warn',
      'provider said: Incorrect API key provided: [redacted]',
      { error: expect.objectContaining({ name: 'Error', message: 'connect to postgres://u:[redacted]@h failed' }), nested: { list: ['x', 'key=[redacted];'] }, count: 3 },
    ]);
    expect(inner.lines[1]).toEqual(['info', 'child line', { url: 'postgres://u:[redacted]@h' }]);
  });

  it('is the logger itself when there is nothing to scrub', () => {
    const inner = recordingLogger();
    expect(scrubbingLogger(inner, [])).toBe(inner);
    expect(scrubSecretValues({ a: 'plain' }, secrets)).toEqual({ a: 'plain' });
  });
});
