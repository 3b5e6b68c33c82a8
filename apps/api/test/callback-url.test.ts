import { SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let networkId: string;
beforeAll(async () => {
  h = await startApiHarness('api-callback');
  networkId = (await h.call('POST', '/networks', { json: SEED.network })).body.id;
});
afterAll(async () => {
  await h.close();
});

describe('callback_url on submit', () => {
  it.each([
    'http://127.0.0.1:9000/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.8/hook',
    'http://100.64.1.1/hook',
    'http://[fd00:ec2::254]/',
    'http://localhost/hook',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://redis:6379/',
  ])('refuses %s with 400 on callback_url, storing nothing', async (callbackUrl) => {
    const before = await h.count('tasks', networkId);
    const res = await h.call('POST', `/networks/${networkId}/tasks`, { json: { ...SEED.task, process: true, callback_url: callbackUrl } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'callback_url', message: expect.stringMatching(/^must point to a public host/) }]);
    expect(await h.count('tasks', networkId)).toBe(before);
  });

  it('stores a public callback_url with the task', async () => {
    const res = await h.call('POST', `/networks/${networkId}/tasks`, { json: { ...SEED.task, callback_url: 'https://hooks.example.com/mesh?token=t1' } });
    expect(res.status).toBe(201);
    expect(res.body.callback_url).toBe('https://hooks.example.com/mesh?token=t1');
  });

  it('refuses callbacks when no webhook secret is configured (production without MESH_WEBHOOK_SECRET)', async () => {
    const config = { ...h.deps.config, env: 'production' as const, webhooks: { ...h.deps.config.webhooks, secret: undefined, secretIsDevelopmentDefault: false } };
    const variant = await h.startVariant({ config });
    try {
      const refused = await variant.call('POST', `/networks/${networkId}/tasks`, { json: { ...SEED.task, callback_url: 'https://hooks.example.com/mesh' } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].message).toMatch(/MESH_WEBHOOK_SECRET/);
      expect((await variant.call('POST', `/networks/${networkId}/tasks`, { json: SEED.task })).status).toBe(201);
    } finally {
      await variant.close();
    }
  });
});
