import { CreateNetworkBody } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('table_statistics');
});
afterAll(async () => {
  await t.cleanup();
});

/** Postgres publishes table counters about once a second, so staleness shows up shortly after the writes. */
async function refreshUntil(predicate: (analyzed: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const analyzed = await t.store.statistics.refreshStale();
    if (predicate(analyzed)) return analyzed;
    if (Date.now() > until) throw new Error(`no refresh matched within ${timeoutMs} ms (last: ${analyzed.join(', ') || 'none'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('TableStatistics', () => {
  it('analyses a table once enough of it changed, then leaves it alone, and the newest-items query walks the index', async () => {
    const network = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Stats' }));
    const client = await t.db.pool.connect();
    try {
      await client.query(
        `INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content, created_at)
         SELECT gen_random_uuid(), 'tenant-a', $1, 'fact', 'fact number ' || g, now() - make_interval(secs => g)
         FROM generate_series(1, 2000) g`,
        [network.id],
      );
      // Publish this backend's table counters now rather than when it next idles (up to 10 s).
      await client.query('SELECT pg_stat_force_next_flush()');
      await client.query('SELECT 1');
    } finally {
      client.release();
    }
    const analyzed = await refreshUntil((names) => names.includes('memory_items'));
    expect(analyzed).toContain('memory_items');

    const { rows } = await t.db.query<{ last_analyze: Date | null; n_mod_since_analyze: string }>(
      `SELECT last_analyze, n_mod_since_analyze FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'memory_items'`,
    );
    expect(rows[0]?.last_analyze).not.toBeNull();
    expect(await t.store.statistics.refreshStale()).not.toContain('memory_items');

    // With statistics the planner knows the network's 2,000 items and reads only the newest few.
    const plan = await t.db.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) SELECT id FROM memory_items WHERE network_id = '${network.id}' AND tenant_id = 'tenant-a' ORDER BY created_at DESC LIMIT 5`,
    );
    const text = JSON.stringify(plan.rows[0]?.['QUERY PLAN']);
    expect(text).toContain('memory_items_network_created');
    expect(text).not.toContain('"Sort"');
  });

  it('does nothing to a table that barely changed', async () => {
    await refreshUntil(() => true);
    await t.db.query(`INSERT INTO schema_migrations (version) VALUES ('zz_probe')`);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await t.store.statistics.refreshStale()).not.toContain('schema_migrations');
    await t.db.query(`DELETE FROM schema_migrations WHERE version = 'zz_probe'`);
  });
});
