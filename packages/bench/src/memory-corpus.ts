import type { Db } from '@mesh/store';

/**
 * Generated shared memory for the prompt-growth scenario: realistic, varied items (product
 * facts, decisions, feedback, context) in which common marketing words — email, campaign,
 * audience, launch — recur on purpose, so full-text matching is not trivially selective.
 * Deterministic: item i is always the same text.
 */
const PRODUCTS = ['analytics dashboard', 'scheduling app', 'email automation suite', 'customer data platform', 'mobile banking app', 'invoicing tool', 'loyalty program', 'help desk'];
const AUDIENCES = ['small business owners', 'marketing managers', 'finance teams', 'HR leaders', 'retail shoppers', 'enterprise IT buyers', 'students', 'freelancers'];
const CHANNELS = ['email', 'newsletter', 'LinkedIn', 'Instagram', 'webinar', 'SMS', 'blog', 'podcast'];
const METRICS = ['open rate', 'click-through rate', 'conversion rate', 'unsubscribe rate', 'trial sign-ups', 'churn', 'NPS', 'revenue per email'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'weekend'];
const TONES = ['friendly', 'formal', 'playful', 'urgent', 'data-driven', 'story-led'];
const ASPECTS = ['subject lines', 'the hero image', 'pricing clarity', 'the call to action', 'send frequency', 'mobile layout', 'personalised greetings', 'landing page speed'];
const SENTIMENTS = ['very positive', 'mixed', 'negative', 'positive', 'lukewarm'];
const TEAMS = ['growth team', 'brand team', 'lifecycle team', 'design team', 'data team'];
const MARKETS = ['US', 'UK', 'DACH', 'Nordics', 'APAC', 'LATAM'];

const pick = <T>(list: readonly T[], n: number): T => list[((n % list.length) + list.length) % list.length]!;

export type MemoryKind = 'fact' | 'decision' | 'feedback' | 'context';

export function memoryItem(i: number): { type: MemoryKind; content: string } {
  // A cheap integer hash spreads the slot choices so neighbouring items differ in every slot.
  const h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  const product = pick(PRODUCTS, h);
  const audience = pick(AUDIENCES, h >>> 3);
  const channel = pick(CHANNELS, h >>> 6);
  const metric = pick(METRICS, h >>> 9);
  const pct = 5 + ((h >>> 12) % 60);
  const ref = `ref ${i}`;
  switch (i % 4) {
    case 0:
      return {
        type: 'fact',
        content: `The ${product} ${channel} campaign for ${audience} reached a ${metric} of ${pct}% on ${pick(DAYS, h >>> 15)}; the audience responds best to ${pick(TONES, h >>> 18)} copy (${ref}).`,
      };
    case 1:
      return {
        type: 'decision',
        content: `Decided with the ${pick(TEAMS, h >>> 15)} to focus the ${product} launch campaign on ${audience} via ${channel}, with a ${pick(TONES, h >>> 18)} tone and weekly email sends (${ref}).`,
      };
    case 2:
      return {
        type: 'feedback',
        content: `Feedback from ${audience} on the ${product} email campaign was ${pick(SENTIMENTS, h >>> 15)} about ${pick(ASPECTS, h >>> 18)}; ${metric} moved ${pct % 2 ? 'up' : 'down'} ${pct % 12} points (${ref}).`,
      };
    default:
      return {
        type: 'context',
        content: `${pick(MARKETS, h >>> 15)} market context: the ${product} audience of ${audience} prefers ${channel}; budget ${pct}k USD for the next campaign, reviewed by the ${pick(TEAMS, h >>> 18)} (${ref}).`,
      };
  }
}

/** Past this many items at once, the full-text index is rebuilt after the load rather than updated per row. */
const REBUILD_INDEX_FROM = 5_000;

/**
 * Adds items `from` … `to - 1` to a network in batches (one INSERT … SELECT FROM unnest per
 * batch), with ages spread over the last 90 days, confidence and importance varied. A large load
 * drops the GIN index and builds it again from its own definition afterwards (seconds instead of
 * the half minute that 90,000 row-by-row index updates take): the index the retrievals then use
 * is the same one.
 */
export async function insertMemory(db: Db, tenantId: string, networkId: string, from: number, to: number, batch = 5_000): Promise<void> {
  if (to - from < REBUILD_INDEX_FROM) return insertBatches(db, tenantId, networkId, from, to, batch);
  const { rows } = await db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'memory_items_search'`);
  const definition = rows[0]?.indexdef;
  if (!definition) return insertBatches(db, tenantId, networkId, from, to, batch);
  await db.query('DROP INDEX memory_items_search');
  try {
    await insertBatches(db, tenantId, networkId, from, to, batch);
  } finally {
    await db.query(definition);
  }
}

async function insertBatches(db: Db, tenantId: string, networkId: string, from: number, to: number, batch: number): Promise<void> {
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    const types: string[] = [];
    const contents: string[] = [];
    const confidences: number[] = [];
    const importances: number[] = [];
    const ages: number[] = [];
    for (let i = start; i < end; i++) {
      const item = memoryItem(i);
      types.push(item.type);
      contents.push(item.content);
      confidences.push(0.5 + ((i * 37) % 50) / 100);
      importances.push(1 + (i % 7 === 0 ? 2 : 0));
      ages.push((i * 7919) % (90 * 86_400));
    }
    await db.query(
      `INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content, confidence, importance, source_kind, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2::uuid, u.t, u.c, u.conf, u.imp, 'api', now() - make_interval(secs => u.age), now() - make_interval(secs => u.age)
       FROM unnest($3::text[], $4::text[], $5::real[], $6::real[], $7::int[]) AS u(t, c, conf, imp, age)
       ON CONFLICT (network_id, content_hash) DO NOTHING`,
      [tenantId, networkId, types, contents, confidences, importances, ages],
    );
  }
}
