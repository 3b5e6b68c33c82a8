import { ConfigError } from './config-error';
import { loadConfig } from './config';

const BASE = { NODE_ENV: 'test', MESH_API_KEYS: 'tenant-a:key-tenant-a-123' };

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('tool settings', () => {
  it('defaults: no allowed hosts, 256 kB responses, 10 s calls, 16 000 result characters, 2 MB documents, 8 rounds, no SMTP, no secrets', () => {
    expect(loadConfig(BASE).tools).toEqual({
      allowedHosts: [],
      maxResponseBytes: 262_144,
      timeoutMs: 10_000,
      resultMaxChars: 16_000,
      maxDocumentBytes: 2_097_152,
      maxRounds: 8,
      smtp: null,
      secrets: {},
    });
  });

  it('reads every setting, and collects MESH_SECRET_<NAME> values by NAME (empty ones count as unset)', () => {
    const config = loadConfig({
      ...BASE,
      MESH_TOOL_ALLOWED_HOSTS: ' Analytics.Internal:8080 , 127.0.0.1, localhost:3000,[::1]:9000, ::1, crm_service ',
      MESH_TOOL_MAX_RESPONSE_BYTES: '65536',
      MESH_TOOL_TIMEOUT_MS: '2500',
      MESH_TOOL_RESULT_MAX_CHARS: '4000',
      MESH_TOOL_MAX_DOCUMENT_BYTES: '1048576',
      MESH_TOOL_MAX_ROUNDS: '3',
      MESH_SMTP_URL: 'smtps://mailer:p%40ss-word-123@smtp.example.com:465',
      MESH_EMAIL_FROM: 'Agent Mesh <mesh@example.com>',
      MESH_SECRET_ANALYTICS_TOKEN: 'tok-analytics-0123456789',
      MESH_SECRET_CRM2: ' crm-secret-with-spaces-around ',
      MESH_SECRET_EMPTY: '',
    });
    expect(config.tools).toEqual({
      allowedHosts: ['analytics.internal:8080', '127.0.0.1', 'localhost:3000', '[::1]:9000', '::1', 'crm_service'],
      maxResponseBytes: 65_536,
      timeoutMs: 2_500,
      resultMaxChars: 4_000,
      maxDocumentBytes: 1_048_576,
      maxRounds: 3,
      smtp: { url: 'smtps://mailer:p%40ss-word-123@smtp.example.com:465', from: 'Agent Mesh <mesh@example.com>' },
      secrets: { ANALYTICS_TOKEN: 'tok-analytics-0123456789', CRM2: 'crm-secret-with-spaces-around' },
    });
    expect(loadConfig({ ...BASE, MESH_SMTP_URL: 'smtp://127.0.0.1:2525', MESH_EMAIL_FROM: 'mesh@example.com' }).tools.smtp).toEqual({ url: 'smtp://127.0.0.1:2525', from: 'mesh@example.com' });
  });

  it.each([
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: 'http://analytics.internal' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: 'ok.example, analytics.internal/reports' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: 'analytics.internal:0' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: 'analytics.internal:70000' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: 'two words' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: '[analytics.internal]:80' }],
    ['MESH_TOOL_ALLOWED_HOSTS', { MESH_TOOL_ALLOWED_HOSTS: '*.internal' }],
    ['MESH_TOOL_MAX_RESPONSE_BYTES', { MESH_TOOL_MAX_RESPONSE_BYTES: '-1' }],
    ['MESH_TOOL_TIMEOUT_MS', { MESH_TOOL_TIMEOUT_MS: 'ten seconds' }],
    ['MESH_TOOL_TIMEOUT_MS', { MESH_TOOL_TIMEOUT_MS: '50' }],
    ['MESH_TOOL_RESULT_MAX_CHARS', { MESH_TOOL_RESULT_MAX_CHARS: '1.5' }],
    ['MESH_TOOL_MAX_DOCUMENT_BYTES', { MESH_TOOL_MAX_DOCUMENT_BYTES: '10' }],
    ['MESH_TOOL_MAX_ROUNDS', { MESH_TOOL_MAX_ROUNDS: '0' }],
    ['MESH_SMTP_URL', { MESH_SMTP_URL: 'https://mail.example.com', MESH_EMAIL_FROM: 'mesh@example.com' }],
    ['MESH_EMAIL_FROM', { MESH_SMTP_URL: 'smtp://mail.example.com:587' }],
    ['MESH_EMAIL_FROM', { MESH_SMTP_URL: 'smtp://mail.example.com:587', MESH_EMAIL_FROM: 'not an address' }],
    ['MESH_EMAIL_FROM', { MESH_SMTP_URL: 'smtp://mail.example.com:587', MESH_EMAIL_FROM: 'Mesh <mesh@example.com' }],
    ['MESH_SECRET_lowercase', { MESH_SECRET_lowercase: 'a-secret-value-123' }],
    ['MESH_SECRET_1TOKEN', { MESH_SECRET_1TOKEN: 'a-secret-value-123' }],
    ['MESH_SECRET_', { MESH_SECRET_: 'a-secret-value-123' }],
    ['MESH_SECRET_MULTILINE', { MESH_SECRET_MULTILINE: 'first-line\nsecond-line' }],
  ])('refuses a bad %s, naming it', (variable, env) => {
    expect(failure(env).variables).toEqual([variable]);
  });

  it('never puts a secret value in the error', () => {
    const err = failure({ MESH_SECRET_bad: 'zq7-never-shown-value', MESH_SECRET_BROKEN: 'zq7-never-shown\r\nvalue' });
    expect(err.variables.sort()).toEqual(['MESH_SECRET_BROKEN', 'MESH_SECRET_bad']);
    expect(err.message).not.toContain('zq7-never-shown');
  });
});
