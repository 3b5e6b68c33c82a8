-- Memory that finds meaning: a vector for every memory item, in one embedding space per network.
--
-- memory_spaces: the embedding model of a network (absent: the deployment's default, recorded
-- when the network's first item is embedded). Changing it queues every item again
-- (reason 'model_changed'); until an item has its new vector, it is found by full text only.
--
-- index_version: the portable index's lists the space's searches read (0: none yet, the space is
-- read whole); indexed_count: how many vectors they were learnt from (they are learnt again when
-- the space has doubled); index_building_since: a process is learning them (one at a time).
CREATE TABLE memory_spaces (
  network_id           uuid PRIMARY KEY REFERENCES networks(id) ON DELETE CASCADE,
  tenant_id            text NOT NULL,
  model                text NOT NULL,
  changed_at           timestamptz NOT NULL DEFAULT now(),
  index_version        integer NOT NULL DEFAULT 0,
  indexed_count        integer NOT NULL DEFAULT 0,
  index_building_since timestamptz
);

-- The portable index's inverted lists: centroids learnt from the space's vectors (k-means), per
-- version; an item is filed under its nearest centroid of each version it was assigned
-- (memory_embeddings.lists), and a search reads the lists of the query's nearest centroids.
CREATE TABLE memory_space_lists (
  network_id  uuid NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
  model       text NOT NULL,
  version     integer NOT NULL,
  list        integer NOT NULL,
  centroid    bytea NOT NULL,
  PRIMARY KEY (network_id, model, version, list)
);

-- One vector per item, with the model that made it: vectors of another model are never compared.
--   vector         the unit vector, little-endian float32 (exact search);
--   vector_q       the same in 8 bits per component with a float32 scale, a quarter of the bytes:
--                  the portable index re-ranks its candidates by it (within about 0.005);
--   lists          the portable index: the item's list in each version of the space's lists, as
--                  integers salted with the space and version (GIN), so spaces never share one;
--   lists_version  the newest version the item was filed in;
--   sketch         random-hyperplane bits, whose Hamming distance orders the candidates before re-ranking.
CREATE TABLE memory_embeddings (
  item_id     uuid PRIMARY KEY REFERENCES memory_items(id) ON DELETE CASCADE,
  tenant_id   text NOT NULL,
  network_id  uuid NOT NULL,
  model       text NOT NULL,
  dimensions  integer NOT NULL,
  vector      bytea NOT NULL,
  vector_q    bytea NOT NULL,
  lists         integer[] NOT NULL DEFAULT '{}',
  lists_version integer NOT NULL DEFAULT 0,
  sketch        bit varying NOT NULL,
  embedded_at timestamptz NOT NULL DEFAULT now()
);
-- Without the pending list, as for memory_items_search (003): searches stay fast between vacuums.
CREATE INDEX memory_embeddings_lists ON memory_embeddings USING gin (lists) WITH (fastupdate = off);
CREATE INDEX memory_embeddings_space ON memory_embeddings (network_id, model);

-- Items waiting for a vector. Filled by a trigger, so that every way of writing memory (the API,
-- agents' results, coordinator plans) queues its items without knowing about embeddings; the
-- processes' embedding job takes them in batches (FOR UPDATE SKIP LOCKED).
CREATE TABLE memory_embedding_queue (
  item_id     uuid PRIMARY KEY REFERENCES memory_items(id) ON DELETE CASCADE,
  network_id  uuid NOT NULL,
  tenant_id   text NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('written', 'model_changed')),
  enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX memory_embedding_queue_order ON memory_embedding_queue (enqueued_at);

CREATE FUNCTION queue_memory_embedding() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO memory_embedding_queue (item_id, network_id, tenant_id, reason)
  VALUES (NEW.id, NEW.network_id, NEW.tenant_id, 'written') ON CONFLICT (item_id) DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER memory_items_queue_embedding AFTER INSERT ON memory_items FOR EACH ROW EXECUTE FUNCTION queue_memory_embedding();

-- What memory there is already gets its vectors too.
INSERT INTO memory_embedding_queue (item_id, network_id, tenant_id, reason)
SELECT id, network_id, tenant_id, 'written' FROM memory_items;

-- The vector index, decided here: pgvector's HNSW when the server has the extension, else the
-- portable one above (inverted lists in GIN, sketch order, exact re-ranking). MESH_MEMORY_VECTOR_INDEX=portable makes
-- the readers use the portable one even then. The extension lives in `public`, shared by every
-- schema of the database (dropping a test schema must not drop it); HNSW needs a fixed
-- dimension, so there is one partial index per vector length the models here produce.
CREATE TABLE memory_vector_index (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  kind     text NOT NULL CHECK (kind IN ('pgvector', 'portable'))
);
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector SCHEMA public;
    EXECUTE 'ALTER TABLE memory_embeddings ADD COLUMN embedding public.vector';
    EXECUTE 'CREATE INDEX memory_embeddings_hnsw_512 ON memory_embeddings USING hnsw ((embedding::public.vector(512)) public.vector_cosine_ops) WHERE dimensions = 512';
    EXECUTE 'CREATE INDEX memory_embeddings_hnsw_768 ON memory_embeddings USING hnsw ((embedding::public.vector(768)) public.vector_cosine_ops) WHERE dimensions = 768';
    EXECUTE 'CREATE INDEX memory_embeddings_hnsw_1536 ON memory_embeddings USING hnsw ((embedding::public.vector(1536)) public.vector_cosine_ops) WHERE dimensions = 1536';
    INSERT INTO memory_vector_index (kind) VALUES ('pgvector');
  ELSE
    INSERT INTO memory_vector_index (kind) VALUES ('portable');
  END IF;
END
$do$;
