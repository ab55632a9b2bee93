/**
 * Storage of topics (KalamDB §9) in PGlite, beside the engine's own tables: definitions, sources,
 * the outbox of changes not yet numbered, the message log per partition, and committed group offsets. Part of the bootstrap SQL, so a
 * data directory (`--data`) keeps all of them across restarts.
 */
export const TOPICS_SQL = `
CREATE TABLE IF NOT EXISTS livebind.topics (id text PRIMARY KEY, partitions int NOT NULL);
CREATE TABLE IF NOT EXISTS livebind.topic_sources (
  topic_id text NOT NULL REFERENCES livebind.topics (id) ON DELETE CASCADE, tbl text NOT NULL, op text NOT NULL,
  where_sql text, payload text NOT NULL, PRIMARY KEY (topic_id, tbl, op));
CREATE TABLE IF NOT EXISTS livebind.topic_messages (
  topic_id text NOT NULL, partition_id int NOT NULL, "offset" int8 NOT NULL, payload text NOT NULL, key text,
  ts int8 NOT NULL, usr text, op text NOT NULL, PRIMARY KEY (topic_id, partition_id, "offset"));
CREATE INDEX IF NOT EXISTS topic_sources_by_table ON livebind.topic_sources (tbl, op);
-- Changes of source tables, written by the change trigger in the writing transaction; TopicLog
-- turns them into numbered messages (and deletes them) in one transaction of its own.
CREATE TABLE IF NOT EXISTS livebind.topic_outbox (
  id bigserial PRIMARY KEY, tbl text NOT NULL, owner text, op text NOT NULL, seq int8 NOT NULL, new_row text, old_row text,
  ts int8 NOT NULL);
CREATE TABLE IF NOT EXISTS livebind.topic_offsets (
  topic_id text NOT NULL, group_id text NOT NULL, partition_id int NOT NULL, acked int8 NOT NULL,
  PRIMARY KEY (topic_id, group_id, partition_id));
`;
