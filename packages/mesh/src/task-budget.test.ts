import { createTestEnv, startInProcessMesh, type TestEnv } from '@mesh/testing';

let env: TestEnv;
beforeAll(async () => {
  // The simulated provider records token estimates like a real one; a tiny budget is spent by iteration 1.
  env = await createTestEnv('budget', { MESH_TASK_MAX_TOKENS: '100' });
});
afterAll(async () => {
  await env.cleanup();
});

it('stops planning once a task has spent its token budget and synthesises what it has', async () => {
  const mesh = await startInProcessMesh(env, undefined);
  try {
    const networkId = await mesh.createNetwork({ max_iterations: 5 });
    const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Spend the budget' }));
    expect(task.status).toBe('completed');
    expect(task.iterations).toBe(1);
    expect(task.usage.input_tokens + task.usage.output_tokens).toBeGreaterThan(100);
    const calls = await env.store.llmCalls.forTask(task.id);
    expect(calls.map((c) => c.purpose)).toContain('finalize');
    expect(calls.filter((c) => c.purpose === 'plan')).toHaveLength(1);
  } finally {
    await mesh.close();
  }
});
