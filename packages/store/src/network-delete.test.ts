import { AddMemoryBody, CreateNetworkBody } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';

/**
 * Deleting a network while the embedding job is storing vectors for its memory: both finish, in
 * either order, and nothing deadlocks. (The job locks queue rows, then inserts vectors that
 * reference their items; the delete's cascade took the items first and the queue rows after, so
 * Postgres killed one of the two as a deadlock, and the DELETE answered 500.)
 */

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('network-delete');
});
afterAll(async () => {
  await t.cleanup();
});

it('deletes a network whose memory the embedding job is storing vectors for, without a deadlock', async () => {
  for (let round = 0; round < 3; round++) {
    const network = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: `Doomed ${round}` }));
    for (let i = 0; i < 5; i++) await t.store.memory.add('tenant-a', network.id, AddMemoryBody.parse({ content: `Fact ${round}.${i} about the TechPro X1 launch` }));
    let claimed!: () => void;
    const batchClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const job = t.store.memoryEmbeddings.embedPending({ models: ['test:unit'], defaultModel: 'test:unit', batch: 10 }, async (_model, texts) => {
      claimed();
      // The delete is sent while this batch holds its queue rows, before the vectors are stored.
      await new Promise((r) => setTimeout(r, 300));
      return texts.map(() => Float32Array.from({ length: 8 }, (_, k) => (k === 0 ? 1 : 0)));
    });
    await batchClaimed;
    const deleted = t.store.networks.delete('tenant-a', network.id);
    const [stored, gone] = await Promise.allSettled([job, deleted]);
    if (gone.status === "rejected") throw gone.reason;
    expect(gone).toMatchObject({ status: 'fulfilled', value: { unfinishedTaskIds: [] } });
    // The batch committed before the delete went on (its vectors went with the network), or found its items gone.
    expect(stored.status === 'fulfilled' || !/deadlock/.test(String((stored as PromiseRejectedResult).reason))).toBe(true);
    expect(await t.store.networks.get('tenant-a', network.id)).toBeNull();
    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM memory_embeddings WHERE network_id = $1', [network.id]);
    expect(Number(rows[0]!.n)).toBe(0);
  }
});
