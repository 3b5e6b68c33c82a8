import { ConfigError } from './config-error';
import { DEVELOPMENT_WEBHOOK_SECRET, loadConfig } from './config';

const BASE = { NODE_ENV: 'test', MESH_API_KEYS: 'tenant-a:key-tenant-a-123' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.variables;
    throw err;
  }
  return [];
}

describe('operations settings', () => {
  it('defaults: webhooks signed with the development secret outside production, private targets refused, no trace export', () => {
    const config = loadConfig(BASE);
    expect(config.webhooks).toEqual({
      secret: DEVELOPMENT_WEBHOOK_SECRET,
      secretIsDevelopmentDefault: true,
      allowPrivateAddresses: false,
      attempts: 8,
      backoffMs: 5_000,
      timeoutMs: 10_000,
    });
    expect(config.tracing).toEqual({ otlpHeaders: {} });
    expect(config.sse).toEqual({ pingMs: 15_000 });
    expect(config.adminTenants).toBeNull();
    expect(config.metricsPort).toBe(0);
    // The API's /metrics needs a key unless an operator opts out.
    expect(config.metricsAuth).toBe(true);
    expect(config.jobs.keep).toEqual({ completedCount: 1000, completedSeconds: 3600, failedCount: 5000, failedSeconds: 86_400 });
  });

  it('reads the job history kept for Bull Board; 0 is allowed (keep none)', () => {
    const config = loadConfig({
      ...BASE,
      MESH_JOBS_KEEP_COMPLETED_COUNT: '0',
      MESH_JOBS_KEEP_COMPLETED_SECONDS: '600',
      MESH_JOBS_KEEP_FAILED_COUNT: '200',
      MESH_JOBS_KEEP_FAILED_SECONDS: '7200',
    });
    expect(config.jobs.keep).toEqual({ completedCount: 0, completedSeconds: 600, failedCount: 200, failedSeconds: 7200 });
  });

  it('reads webhook, tracing and admin settings', () => {
    const config = loadConfig({
      ...BASE,
      MESH_WEBHOOK_SECRET: 'a-long-enough-secret',
      MESH_WEBHOOK_ALLOW_PRIVATE: 'true',
      MESH_WEBHOOK_ATTEMPTS: '3',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=mesh',
      MESH_ADMIN_TENANTS: 'ops, tenant-a',
      METRICS_PORT: '9464',
      MESH_METRICS_AUTH: 'false',
    });
    expect(config.webhooks).toMatchObject({ secret: 'a-long-enough-secret', secretIsDevelopmentDefault: false, allowPrivateAddresses: true, attempts: 3 });
    expect(config.tracing).toEqual({ otlpEndpoint: 'http://collector:4318', otlpHeaders: { authorization: 'Bearer abc', 'x-tenant': 'mesh' } });
    expect(config.adminTenants).toEqual(['ops', 'tenant-a']);
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsAuth).toBe(false);
  });

  it('never uses the development secret in production, and refuses private webhook targets there', () => {
    const production = loadConfig({ ...BASE, NODE_ENV: 'production' });
    expect(production.webhooks.secret).toBeUndefined();
    expect(production.webhooks.secretIsDevelopmentDefault).toBe(false);
    expect(problems({ NODE_ENV: 'production', MESH_WEBHOOK_ALLOW_PRIVATE: 'true' })).toEqual(['MESH_WEBHOOK_ALLOW_PRIVATE']);
  });

  it.each([
    ['MESH_WEBHOOK_SECRET', 'short'],
    ['MESH_WEBHOOK_ALLOW_PRIVATE', 'sometimes'],
    ['MESH_WEBHOOK_ATTEMPTS', '0'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'no-equals-sign'],
    ['MESH_ADMIN_TENANTS', 'bad tenant!'],
    ['MESH_SSE_PING_MS', '5'],
    ['MESH_METRICS_AUTH', 'maybe'],
    ['MESH_JOBS_KEEP_COMPLETED_COUNT', '-1'],
    ['MESH_JOBS_KEEP_COMPLETED_SECONDS', '1.5'],
    ['MESH_JOBS_KEEP_FAILED_COUNT', 'lots'],
    ['MESH_JOBS_KEEP_FAILED_SECONDS', '-3600'],
  ])('names %s when it is %j', (variable, value) => {
    expect(problems({ [variable]: value })).toEqual([variable]);
  });
});

describe('the console as a studio', () => {
  it('records prompts for 30 days by default; MESH_LLM_RECORD_PROMPTS=false switches them off', () => {
    expect(loadConfig(BASE).callRecording).toEqual({ prompts: true, retentionDays: 30 });
    expect(loadConfig({ ...BASE, MESH_LLM_RECORD_PROMPTS: 'false', MESH_LLM_PROMPT_RETENTION_DAYS: '7' }).callRecording).toEqual({ prompts: false, retentionDays: 7 });
    expect(problems({ MESH_LLM_PROMPT_RETENTION_DAYS: '0' })).toEqual(['MESH_LLM_PROMPT_RETENTION_DAYS']);
    expect(problems({ MESH_LLM_RECORD_PROMPTS: 'sometimes' })).toEqual(['MESH_LLM_RECORD_PROMPTS']);
  });

  it('takes a trace link template only as an http(s) URL with {trace_id}', () => {
    expect(loadConfig(BASE).traceUrlTemplate).toBeNull();
    expect(loadConfig({ ...BASE, MESH_TRACE_URL_TEMPLATE: 'http://jaeger:16686/trace/{trace_id}' }).traceUrlTemplate).toBe('http://jaeger:16686/trace/{trace_id}');
    expect(problems({ MESH_TRACE_URL_TEMPLATE: 'http://jaeger:16686/trace/' })).toEqual(['MESH_TRACE_URL_TEMPLATE']);
    expect(problems({ MESH_TRACE_URL_TEMPLATE: 'javascript:alert({trace_id})' })).toEqual(['MESH_TRACE_URL_TEMPLATE']);
  });
});
