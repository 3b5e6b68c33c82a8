import { dot, hash32, learnCentroids, listCount, nearestLists, sketchDistanceBound, VECTOR_LISTS, vectorFromBytes, vectorSketch, vectorToBytes, type QueryVector } from '@mesh/embeddings';
import type { MemoryType } from '@mesh/core';
import type { Db, Queryable } from './db';

/**
 * Which vector index a search uses: `auto` is the one the migration chose (pgvector's HNSW where
 * the server has it, else the portable one), `portable` forces the plain-PostgreSQL index, and
 * `exact` compares the query with every vector of the space (to measure the others against).
 */
export type VectorIndexChoice = 'auto' | 'portable' | 'exact';

/** An item near a query, with its cosine similarity. */
export interface NearItem {
  id: string;
  similarity: number;
}

/** An item waiting for its vector, as the embedding job takes it. */
export interface PendingEmbedding {
  itemId: string;
  tenantId: string;
  networkId: string;
  memoryType: MemoryType;
  content: string;
  model: string;
  reason: 'written' | 'model_changed';
}

/** An item the job gave a vector. */
export interface EmbeddedItem extends PendingEmbedding {
  vector: Float32Array;
}

/** A network's embedding space and how far its items are in it. */
export interface MemorySpaceStatus {
  model: string;
  items: number;
  embedded: number;
  pending: number;
}

export interface MemoryEmbeddingRepositoryOptions {
  /** MESH_MEMORY_VECTOR_INDEX: `portable` uses the plain-PostgreSQL index even where pgvector is installed. */
  index?: 'auto' | 'portable';
}

/** The pgvector indexes the migration creates, one per vector length (012_memory_embeddings.sql). */
const PGVECTOR_DIMENSIONS = new Set([512, 768, 1536]);
/** Candidates ordered by sketch distance, of which this many per wanted item are re-ranked exactly. */
const RERANK_FACTOR = 4;
const MIN_RERANK = 300;
/** Vectors re-filed per statement when a space's lists are learnt again. */
const REFILE_BATCH = 2_000;
/** A process learning a space's lists that has not finished after this long is taken to have died. */
const BUILD_LEASE_MS = 10 * 60_000;
/** Spaces whose centroids a process keeps (each version of a space is immutable once written). */
const CENTROID_CACHE = 64;

/**
 * Vectors of memory items: one embedding space per network (memory_spaces), the queue of items
 * waiting for a vector, and nearest-neighbour search through the vector index.
 */
export class MemoryEmbeddingRepository {
  private indexKind: Promise<'pgvector' | 'portable'> | null = null;
  private readonly centroids = new Map<string, Promise<Float32Array[]>>();

  constructor(
    private readonly db: Db,
    private readonly options: MemoryEmbeddingRepositoryOptions = {},
  ) {}

  /** The network's embedding model: the one it chose or was first embedded with, else `defaultModel`. */
  async spaceModel(tenantId: string, networkId: string, defaultModel: string): Promise<string> {
    const { rows } = await this.db.query<{ model: string }>('SELECT model FROM memory_spaces WHERE network_id = $1 AND tenant_id = $2', [networkId, tenantId]);
    return rows[0]?.model ?? defaultModel;
  }

  async spaceStatus(tenantId: string, networkId: string, defaultModel: string): Promise<MemorySpaceStatus> {
    const { rows } = await this.db.query<{ model: string; items: string; embedded: string; pending: string }>(
      `SELECT coalesce(s.model, $3) AS model,
              (SELECT count(*) FROM memory_items m WHERE m.network_id = $1 AND m.tenant_id = $2) AS items,
              (SELECT count(*) FROM memory_embeddings e WHERE e.network_id = $1 AND e.tenant_id = $2 AND e.model = coalesce(s.model, $3)) AS embedded,
              (SELECT count(*) FROM memory_embedding_queue q WHERE q.network_id = $1 AND q.tenant_id = $2) AS pending
       FROM (SELECT 1) AS one LEFT JOIN memory_spaces s ON s.network_id = $1 AND s.tenant_id = $2`,
      [networkId, tenantId, defaultModel],
    );
    const r = rows[0]!;
    return { model: r.model, items: Number(r.items), embedded: Number(r.embedded), pending: Number(r.pending) };
  }

  /**
   * Sets the network's embedding model. When it changes, every item of the network is queued to
   * be embedded again (the re-embedding job); until then those items are found by full text.
   * False when the network does not exist (for this tenant).
   */
  async setSpaceModel(tenantId: string, networkId: string, model: string, defaultModel: string): Promise<{ changed: boolean } | null> {
    return this.db.transaction(async (tx) => {
      const network = await tx.query('SELECT 1 FROM networks WHERE id = $1 AND tenant_id = $2 FOR UPDATE', [networkId, tenantId]);
      if (network.rowCount === 0) return null;
      const { rows } = await tx.query<{ model: string }>('SELECT model FROM memory_spaces WHERE network_id = $1', [networkId]);
      const previous = rows[0]?.model ?? defaultModel;
      await tx.query(
        `INSERT INTO memory_spaces (network_id, tenant_id, model) VALUES ($1, $2, $3)
         ON CONFLICT (network_id) DO UPDATE SET model = EXCLUDED.model,
           changed_at = CASE WHEN memory_spaces.model = EXCLUDED.model THEN memory_spaces.changed_at ELSE now() END,
           -- Another model's vectors get lists of their own, learnt once there are enough of them.
           index_version = CASE WHEN memory_spaces.model = EXCLUDED.model THEN memory_spaces.index_version ELSE 0 END,
           indexed_count = CASE WHEN memory_spaces.model = EXCLUDED.model THEN memory_spaces.indexed_count ELSE 0 END`,
        [networkId, tenantId, model],
      );
      if (previous === model) return { changed: false };
      await tx.query(
        `INSERT INTO memory_embedding_queue (item_id, network_id, tenant_id, reason)
         SELECT m.id, m.network_id, m.tenant_id, 'model_changed' FROM memory_items m WHERE m.network_id = $1 AND m.tenant_id = $2
         ON CONFLICT (item_id) DO NOTHING`,
        [networkId, tenantId],
      );
      return { changed: true };
    });
  }

  /**
   * Takes up to `batch` queued items whose space's model is one of `models`, has `embed` compute
   * their vectors (texts grouped by model), stores them and removes the items from the queue, in
   * one transaction: the items stay locked meanwhile, so processes running the job side by side
   * take different ones (SKIP LOCKED), and a process that dies leaves its items queued.
   */
  async embedPending(
    options: { models: string[]; defaultModel: string; batch: number },
    embed: (model: string, texts: string[]) => Promise<Float32Array[]>,
  ): Promise<EmbeddedItem[]> {
    const pgvector = (await this.index()) === 'pgvector';
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ item_id: string; tenant_id: string; network_id: string; memory_type: MemoryType; content: string; model: string; reason: PendingEmbedding['reason'] }>(
        `SELECT q.item_id, m.tenant_id, m.network_id, m.memory_type, m.content, coalesce(s.model, $2) AS model, q.reason
         FROM memory_embedding_queue q JOIN memory_items m ON m.id = q.item_id LEFT JOIN memory_spaces s ON s.network_id = q.network_id
         WHERE coalesce(s.model, $2) = ANY ($1::text[])
         ORDER BY q.enqueued_at LIMIT $3 FOR UPDATE OF q SKIP LOCKED`,
        [options.models, options.defaultModel, options.batch],
      );
      if (rows.length === 0) return [];
      const embedded: EmbeddedItem[] = [];
      for (const model of new Set(rows.map((r) => r.model))) {
        const group = rows.filter((r) => r.model === model);
        const vectors = await embed(model, group.map((r) => r.content));
        group.forEach((r, i) =>
          embedded.push({ itemId: r.item_id, tenantId: r.tenant_id, networkId: r.network_id, memoryType: r.memory_type, content: r.content, model, reason: r.reason, vector: vectors[i]! }),
        );
      }
      await this.storeVectors(tx, embedded, pgvector);
      await tx.query('DELETE FROM memory_embedding_queue WHERE item_id = ANY ($1::uuid[])', [rows.map((r) => r.item_id)]);
      return embedded;
    });
  }

  /**
   * The items of one network nearest to a query vector in its model's space, most similar first,
   * down to `minSimilarity`. Only vectors of the query's model count: an item not embedded yet
   * (or not yet again, after a model change) is not found here, only by full text.
   */
  async nearest(
    tenantId: string,
    networkId: string,
    query: QueryVector,
    options: { limit: number; minSimilarity?: number; index?: VectorIndexChoice; exclude?: string[] },
  ): Promise<NearItem[]> {
    const choice = options.index ?? 'auto';
    const kind = choice === 'exact' ? 'exact' : choice === 'portable' || this.options.index === 'portable' ? 'portable' : await this.index();
    const exclude = options.exclude ?? [];
    const rerank = Math.max(MIN_RERANK, options.limit * RERANK_FACTOR);
    const min = options.minSimilarity ?? -1;
    let near: NearItem[];
    if (kind === 'pgvector' && PGVECTOR_DIMENSIONS.has(query.vector.length)) {
      const d = query.vector.length;
      const { rows } = await this.db.query<{ item_id: string; similarity: number }>(
        `SELECT item_id, 1 - (embedding::public.vector(${d}) OPERATOR(public.<=>) $5::public.vector(${d})) AS similarity FROM memory_embeddings
         WHERE dimensions = ${d} AND network_id = $1 AND tenant_id = $2 AND model = $3 AND NOT (item_id = ANY ($4::uuid[]))
         ORDER BY embedding::public.vector(${d}) OPERATOR(public.<=>) $5::public.vector(${d}) LIMIT $6`,
        [networkId, tenantId, query.model, exclude, `[${Array.from(query.vector).join(',')}]`, options.limit],
      );
      near = rows.map((r) => ({ id: r.item_id, similarity: Number(r.similarity) }));
      // HNSW filters by network after its scan, which yields the hnsw.ef_search nearest vectors of
      // the whole table: a network small beside others, or far from the query, can keep fewer than
      // asked, even none. Then the portable index, which reads only this network's vectors, fills in.
      if (near.length < options.limit) near = mergeNear(near, await this.portableNear(tenantId, networkId, query, rerank, exclude, min));
    } else if (kind === 'exact') {
      // Vectors travel as base64, a third less text than bytea's hex.
      const { rows } = await this.db.query<{ item_id: string; vector: string }>(
        `SELECT item_id, encode(vector, 'base64') AS vector FROM memory_embeddings WHERE network_id = $1 AND tenant_id = $2 AND model = $3 AND NOT (item_id = ANY ($4::uuid[]))`,
        [networkId, tenantId, query.model, exclude],
      );
      near = rows.map((r) => ({ id: r.item_id, similarity: dot(vectorFromBytes(Buffer.from(r.vector, 'base64')), query.vector) }));
    } else {
      near = await this.portableNear(tenantId, networkId, query, rerank, exclude, min);
    }
    return near
      .filter((r) => r.similarity >= min)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, options.limit);
  }

  /** The portable index's candidates, re-ranked by the 8-bit copies: a quarter of the bytes of the vectors, which is most of a search's time. */
  private async portableNear(tenantId: string, networkId: string, query: QueryVector, candidates: number, exclude: string[], minSimilarity: number): Promise<NearItem[]> {
    const rows = await this.portableCandidates(tenantId, networkId, query, candidates, exclude, sketchDistanceBound(minSimilarity));
    return rows.map((r) => ({ id: r.item_id, similarity: dotQuantized(Buffer.from(r.vector_q, 'base64'), query.vector) }));
  }

  /** Keeps a task's meaning (its text's vector, see migration 020): its subtasks and later iterations search by it. */
  async rememberTaskMeaning(tenantId: string, taskId: string, meaning: QueryVector): Promise<void> {
    await this.db.query(
      `INSERT INTO task_meanings (task_id, tenant_id, model, vector) SELECT id, tenant_id, $3, $4 FROM tasks WHERE id = $1 AND tenant_id = $2
       ON CONFLICT (task_id) DO UPDATE SET model = EXCLUDED.model, vector = EXCLUDED.vector`,
      [taskId, tenantId, meaning.model, vectorToBytes(meaning.vector)],
    );
  }

  /**
   * The portable index: the items filed in the lists of the query's nearest centroids (GIN), the
   * `limit` closest by sketch distance, re-ranked exactly by the caller. A space without lists yet
   * (fewer than VECTOR_LISTS.minVectors vectors) is ordered by sketch distance whole, which costs
   * little at its size; so is one whose lists give fewer candidates than wanted. Of the candidates,
   * only those within `maxDistance` (see sketchDistanceBound) leave the database: a search for
   * near-duplicates, at 0.9 or more, usually gets none of the 300 it would re-rank otherwise.
   */
  private async portableCandidates(
    tenantId: string,
    networkId: string,
    query: QueryVector,
    limit: number,
    exclude: string[],
    maxDistance: number,
  ): Promise<Candidate[]> {
    const sketch = vectorSketch(query.vector);
    const { rows: space } = await this.db.query<{ index_version: number }>(
      'SELECT index_version FROM memory_spaces WHERE network_id = $1 AND tenant_id = $2 AND model = $3',
      [networkId, tenantId, query.model],
    );
    const version = space[0]?.index_version ?? 0;
    if (version > 0) {
      const centroids = await this.centroidsOf(networkId, query.model, version);
      const codes = nearestLists(query.vector, centroids, VECTOR_LISTS.probes).map((list) => listCode(networkId, query.model, version, list));
      // How many the lists gave is counted before the distance bound (one row with a null item when none is within it).
      const listed = await this.db.query<{ listed: number } & (Candidate | { item_id: null; vector_q: null })>(
        `WITH c AS (
           SELECT item_id, vector_q, bit_count(sketch # $5::bit varying) AS distance FROM memory_embeddings
            WHERE lists && $1::int[] AND network_id = $2 AND tenant_id = $3 AND model = $4 AND NOT (item_id = ANY ($6::uuid[]))
            ORDER BY distance LIMIT $7)
         SELECT n.listed, c.item_id, encode(c.vector_q, 'base64') AS vector_q
           FROM (SELECT count(*)::int AS listed FROM c) n LEFT JOIN c ON c.distance <= $8`,
        [codes, networkId, tenantId, query.model, sketch, exclude, limit, maxDistance],
      );
      if ((listed.rows[0]?.listed ?? 0) >= limit) return listed.rows.filter((r): r is { listed: number } & Candidate => r.item_id !== null);
    }
    const all = await this.db.query<Candidate>(
      `SELECT item_id, encode(vector_q, 'base64') AS vector_q FROM (
         SELECT item_id, vector_q, bit_count(sketch # $4::bit varying) AS distance FROM memory_embeddings
          WHERE network_id = $1 AND tenant_id = $2 AND model = $3 AND NOT (item_id = ANY ($5::uuid[]))
          ORDER BY distance LIMIT $6) c
        WHERE distance <= $7`,
      [networkId, tenantId, query.model, sketch, exclude, limit, maxDistance],
    );
    return all.rows;
  }

  /** The centroids of one version of a space's lists (immutable once written, so cached). */
  private centroidsOf(networkId: string, model: string, version: number): Promise<Float32Array[]> {
    const key = `${networkId}|${model}|${version}`;
    let cached = this.centroids.get(key);
    if (!cached) {
      cached = this.db
        .query<{ centroid: Buffer }>('SELECT centroid FROM memory_space_lists WHERE network_id = $1 AND model = $2 AND version = $3 ORDER BY list', [networkId, model, version])
        .then((r) => r.rows.map((row) => vectorFromBytes(row.centroid)));
      cached.catch(() => this.centroids.delete(key));
      this.centroids.set(key, cached);
      if (this.centroids.size > CENTROID_CACHE) this.centroids.delete(this.centroids.keys().next().value as string);
    }
    return cached;
  }

  /**
   * Learns the portable index's lists of a space again when it has outgrown them: first at
   * VECTOR_LISTS.minVectors vectors, then whenever it has doubled since. One process at a time
   * (a lease on the space's row); searches go on meanwhile with the lists they have, and every
   * vector is filed in both versions until the new one is switched to. True when it learnt them.
   */
  async maintainLists(tenantId: string, networkId: string, model: string): Promise<boolean> {
    const { rows } = await this.db.query<{ index_version: number }>(
      `UPDATE memory_spaces s SET index_building_since = now()
       WHERE s.network_id = $1 AND s.tenant_id = $2 AND s.model = $3
         AND (s.index_building_since IS NULL OR s.index_building_since < now() - make_interval(secs => $4::float8 / 1000))
         AND (SELECT count(*) FROM memory_embeddings e WHERE e.network_id = $1 AND e.model = $3) >= greatest($5::int, 2 * s.indexed_count)
       RETURNING s.index_version`,
      [networkId, tenantId, model, BUILD_LEASE_MS, VECTOR_LISTS.minVectors],
    );
    const current = rows[0]?.index_version;
    if (current === undefined) return false;
    try {
      const { rows: sample } = await this.db.query<{ vector: Buffer }>(
        'SELECT vector FROM memory_embeddings WHERE network_id = $1 AND model = $2 ORDER BY random() LIMIT $3',
        [networkId, model, VECTOR_LISTS.trainingSample],
      );
      const { rows: counted } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM memory_embeddings WHERE network_id = $1 AND model = $2', [networkId, model]);
      const count = Number(counted[0]?.n ?? 0);
      const centroids = learnCentroids(sample.map((r) => vectorFromBytes(r.vector)), listCount(count), current + 1);
      const next = current + 1;
      const { rows: newest } = await this.db.query<{ v: number | null }>('SELECT max(version) AS v FROM memory_space_lists WHERE network_id = $1 AND model = $2', [networkId, model]);
      const version = Math.max(next, (newest[0]?.v ?? 0) + 1);
      await this.db.query(
        `INSERT INTO memory_space_lists (network_id, model, version, list, centroid)
         SELECT $1, $2, $3, l.list - 1, l.centroid FROM unnest($4::bytea[]) WITH ORDINALITY AS l(centroid, list)`,
        [networkId, model, version, centroids.map(vectorToBytes)],
      );
      // From here on new vectors are filed in this version too (storeVectors files in the newest).
      await this.refile(networkId, model, version);
      await this.db.query(
        `UPDATE memory_spaces SET index_version = $4, indexed_count = $5, index_building_since = NULL WHERE network_id = $1 AND tenant_id = $2 AND model = $3`,
        [networkId, tenantId, model, version, count],
      );
      // Vectors stored while this ran by a process that did not see the new version yet.
      await this.refile(networkId, model, version);
      await this.db.query('DELETE FROM memory_space_lists WHERE network_id = $1 AND model = $2 AND version < $3', [networkId, model, version]);
      return true;
    } catch (err) {
      await this.db.query('UPDATE memory_spaces SET index_building_since = NULL WHERE network_id = $1', [networkId]).catch(() => {});
      throw err;
    }
  }

  /** Files every vector of the space not yet filed in `version` there too (keeping its older lists, which searches may still read). */
  private async refile(networkId: string, model: string, version: number): Promise<void> {
    const centroids = await this.centroidsOf(networkId, model, version);
    for (;;) {
      const { rows } = await this.db.query<{ item_id: string; vector: Buffer }>(
        'SELECT item_id, vector FROM memory_embeddings WHERE network_id = $1 AND model = $2 AND lists_version < $3 LIMIT $4',
        [networkId, model, version, REFILE_BATCH],
      );
      if (rows.length === 0) return;
      const codes = rows.map((r) => listCode(networkId, model, version, nearestLists(vectorFromBytes(r.vector), centroids, 1)[0]!));
      await this.db.query(
        `UPDATE memory_embeddings e SET lists = array_append(e.lists, u.code), lists_version = $3
         FROM unnest($1::uuid[], $2::int[]) AS u(item_id, code) WHERE e.item_id = u.item_id AND e.lists_version < $3`,
        [rows.map((r) => r.item_id), codes, version],
      );
    }
  }

  /** Stores vectors (replacing an item's earlier one), filed in the lists of the spaces' current and newest versions. */
  private async storeVectors(tx: Queryable, items: EmbeddedItem[], pgvector: boolean): Promise<void> {
    if (items.length === 0) return;
    const spaceKeys = [...new Map(items.map((i) => [`${i.networkId}|${i.model}`, i])).values()];
    const { rows: versions } = await tx.query<{ network_id: string; model: string; current: number; newest: number | null }>(
      `SELECT k.network_id::text, k.model, coalesce(s.index_version, 0) AS current,
              (SELECT max(l.version) FROM memory_space_lists l WHERE l.network_id = k.network_id AND l.model = k.model) AS newest
       FROM unnest($1::uuid[], $2::text[]) AS k(network_id, model) LEFT JOIN memory_spaces s ON s.network_id = k.network_id AND s.model = k.model`,
      [spaceKeys.map((i) => i.networkId), spaceKeys.map((i) => i.model)],
    );
    const filing = new Map<string, { version: number; centroids: Float32Array[] }[]>();
    for (const v of versions) {
      const wanted = [...new Set([v.current, v.newest ?? 0])].filter((x) => x > 0).sort((a, b) => a - b);
      filing.set(`${v.network_id}|${v.model}`, await Promise.all(wanted.map(async (version) => ({ version, centroids: await this.centroidsOf(v.network_id, v.model, version) }))));
    }
    const params: unknown[] = [];
    const tuples = items.map((item) => {
      const files = (filing.get(`${item.networkId}|${item.model}`) ?? []).filter((f) => f.centroids.length > 0);
      const lists = files.map((f) => listCode(item.networkId, item.model, f.version, nearestLists(item.vector, f.centroids, 1)[0]!));
      const listsVersion = files.length > 0 ? files[files.length - 1]!.version : 0;
      const b = params.length;
      params.push(item.itemId, item.tenantId, item.networkId, item.model, item.vector.length, vectorToBytes(item.vector), quantize(item.vector), lists, listsVersion, vectorSketch(item.vector));
      if (pgvector) params.push(`[${Array.from(item.vector).join(',')}]`);
      return `($${b + 1}::uuid, $${b + 2}, $${b + 3}::uuid, $${b + 4}, $${b + 5}::int, $${b + 6}::bytea, $${b + 7}::bytea, $${b + 8}::int[], $${b + 9}::int, $${b + 10}::bit varying${pgvector ? `, $${b + 11}::public.vector` : ''})`;
    });
    await tx.query(
      `INSERT INTO memory_embeddings (item_id, tenant_id, network_id, model, dimensions, vector, vector_q, lists, lists_version, sketch${pgvector ? ', embedding' : ''})
       VALUES ${tuples.join(', ')}
       ON CONFLICT (item_id) DO UPDATE SET model = EXCLUDED.model, dimensions = EXCLUDED.dimensions, vector = EXCLUDED.vector, vector_q = EXCLUDED.vector_q, lists = EXCLUDED.lists,
         lists_version = EXCLUDED.lists_version, sketch = EXCLUDED.sketch, embedded_at = now()${pgvector ? ', embedding = EXCLUDED.embedding' : ''}`,
      params,
    );
    // The space is recorded with the first vectors in it: a later change of the default does not move the network.
    const spaces = [...new Map(items.map((i) => [i.networkId, i])).values()];
    await tx.query(
      `INSERT INTO memory_spaces (network_id, tenant_id, model)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT (network_id) DO NOTHING`,
      [spaces.map((s) => s.networkId), spaces.map((s) => s.tenantId), spaces.map((s) => s.model)],
    );
  }

  /** Which index the migration chose (read once). */
  index(): Promise<'pgvector' | 'portable'> {
    this.indexKind ??= this.db.query<{ kind: 'pgvector' | 'portable' }>('SELECT kind FROM memory_vector_index').then((r) => r.rows[0]?.kind ?? 'portable');
    this.indexKind.catch(() => (this.indexKind = null));
    return this.indexKind;
  }

  /**
   * Merges a near-duplicate into the item it repeats: the duplicate goes, the kept item is
   * reinforced as an identical one would have been (importance grows unless the same task or
   * subtask brought both, confidence keeps the higher value). Only items of one type merge.
   * False when either is gone, or their types differ.
   */
  async mergeDuplicate(tenantId: string, networkId: string, duplicateId: string, keptId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `WITH dup AS (
         DELETE FROM memory_items d WHERE d.id = $1 AND d.network_id = $3 AND d.tenant_id = $4
           AND EXISTS (SELECT 1 FROM memory_items k WHERE k.id = $2 AND k.network_id = $3 AND k.tenant_id = $4 AND k.memory_type = d.memory_type)
         RETURNING d.*)
       UPDATE memory_items k
       SET importance = k.importance + CASE
             WHEN k.source_kind = dup.source_kind AND k.source_task_id IS NOT DISTINCT FROM dup.source_task_id
              AND k.source_subtask_id IS NOT DISTINCT FROM dup.source_subtask_id AND dup.source_kind <> 'api'
             THEN 0 ELSE 1 END,
           confidence = GREATEST(k.confidence, dup.confidence),
           updated_at = now()
       FROM dup WHERE k.id = $2`,
      [duplicateId, keptId, networkId, tenantId],
    );
    return (rowCount ?? 0) > 0;
  }
}

/**
 * A unit vector in 8 bits per component: a float32 scale (the largest magnitude) and one signed
 * byte per component. Similarities from it are within about 0.005 of the exact ones.
 */
function quantize(vector: Float32Array): Buffer {
  let max = 0;
  for (const x of vector) max = Math.max(max, Math.abs(x));
  const out = Buffer.alloc(4 + vector.length);
  out.writeFloatLE(max, 0);
  for (let i = 0; i < vector.length; i++) out.writeInt8(max === 0 ? 0 : Math.round((vector[i]! / max) * 127), 4 + i);
  return out;
}

/** A stored item's similarity to a query from its 8-bit copy (`vector_q`: a float32 scale, then one signed byte per component). */
export function dotQuantized(bytes: Buffer, query: Float32Array): number {
  const scale = bytes.readFloatLE(0) / 127;
  const n = Math.min(query.length, bytes.length - 4);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += ((bytes[4 + i]! << 24) >> 24) * query[i]!;
  return sum * scale;
}

/** A list of one version of a space's lists, as filed in memory_embeddings.lists: spaces and versions never share one. */
function listCode(networkId: string, model: string, version: number, list: number): number {
  return hash32(`${networkId}|${model}|${version}|${list}`);
}

/** A portable search's candidate: an item and its 8-bit vector (base64), to be re-ranked. */
interface Candidate {
  item_id: string;
  vector_q: string;
}

/** Two searches' items as one list, each item once, with the first search's similarity where both found it (pgvector's is exact). */
function mergeNear(first: NearItem[], second: NearItem[]): NearItem[] {
  const seen = new Set(first.map((n) => n.id));
  return [...first, ...second.filter((n) => !seen.has(n.id))];
}
