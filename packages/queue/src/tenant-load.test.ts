import { createTestEnv, type TestEnv } from '@mesh/testing';
import { fairPriority, shareOf, TenantLoad } from './tenant-load';
import { jobPriority } from './mesh-queues';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('tenant-load');
});
afterAll(async () => {
  await env.cleanup();
});

describe('fair shares between tenants', () => {
  it('grow with the log of a tenant\'s unfinished tasks per unit of weight', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 2000].map((n) => shareOf(n, 1))).toEqual([0, 1, 1, 2, 2, 3, 3, 10]);
    expect(shareOf(2000, 4)).toBe(shareOf(500, 1));
  });

  it('put a lightly loaded tenant\'s jobs ahead of a burst, whatever their task priorities', () => {
    const burst = fairPriority(shareOf(2000, 1), jobPriority(1, 'continue'));
    const light = fairPriority(shareOf(1, 1), jobPriority(10, 'start'));
    expect(light).toBeLessThan(burst);
    // At the same share, the task's own priority decides.
    expect(fairPriority(3, jobPriority(1, 'start'))).toBeLessThan(fairPriority(3, jobPriority(10, 'continue')));
    expect(fairPriority(shareOf(2000, 1), 20)).toBeLessThan(2 ** 21);
  });

  it('counts starts and ends in Redis, never below zero, with weights from config and operators', async () => {
    const load = new TenantLoad(env.redis, env.config.queuePrefix, { weights: { big: 4 }, maxAgeMs: 0 });
    for (let i = 0; i < 7; i++) await load.started('small');
    for (let i = 0; i < 7; i++) await load.started('big');
    expect(await load.share('small')).toBe(3);
    expect(await load.share('big')).toBe(1); // 7 / 4
    await load.setWeight('small', 7);
    expect(await load.share('small')).toBe(1);
    expect(await load.weights()).toEqual({ big: 4, small: 7 });
    await load.setWeight('small', null);
    for (let i = 0; i < 9; i++) await load.ended('small');
    expect(await load.share('small')).toBe(0);
    await load.started('small');
    expect(await load.share('small')).toBe(1);
    await load.resync(new Map([['big', 0]]));
    expect([await load.share('small'), await load.share('big')]).toEqual([0, 0]);
  });
});
