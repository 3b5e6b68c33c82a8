-- Attachments (issue 21): a task's files. The bytes are content-addressed per tenant: the same
-- bytes given twice (to one task or to two) are stored once, as one blob, and a blob goes when no
-- attachment references it any more (its task or network deleted).
CREATE TABLE attachment_blobs (
  tenant_id   text NOT NULL,
  sha256      text NOT NULL,
  size_bytes  bigint NOT NULL,
  data        bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sha256)
);
-- Uncompressed out-of-line storage: a download reads the bytes in slices (substring), which
-- Postgres then fetches chunk by chunk instead of decompressing the whole value for each slice.
-- (The media types taken are compressed formats already.)
ALTER TABLE attachment_blobs ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE attachments (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  task_id      uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  name         text NOT NULL,
  media_type   text NOT NULL,
  size_bytes   bigint NOT NULL,
  sha256       text NOT NULL,
  pages        integer,
  width        integer,
  height       integer,
  duration_ms  integer,
  position     integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, name),
  UNIQUE (task_id, position),
  -- A blob is never deleted under an attachment that still names it.
  FOREIGN KEY (tenant_id, sha256) REFERENCES attachment_blobs (tenant_id, sha256)
);
CREATE INDEX attachments_blob ON attachments (tenant_id, sha256);

-- Whatever deleted attachments (a task, a network, cascades included), blobs left without one go.
CREATE FUNCTION delete_unreferenced_attachment_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM attachment_blobs b
  USING (SELECT DISTINCT tenant_id, sha256 FROM gone) g
  WHERE b.tenant_id = g.tenant_id AND b.sha256 = g.sha256
    AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.tenant_id = g.tenant_id AND a.sha256 = g.sha256);
  RETURN NULL;
END;
$$;

CREATE TRIGGER attachments_release_blobs
  AFTER DELETE ON attachments
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION delete_unreferenced_attachment_blobs();
