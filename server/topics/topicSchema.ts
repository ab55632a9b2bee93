/**
 * Storage of topics (KalamDB §9) in PGlite, beside the engine's own tables: definitions, sources,
 * the message log per partition, and committed group offsets. Part of the bootstrap SQL, so a
 * data directory (`--data`) keeps all four across restarts.
 */
export const TOPICS_SQL = `
CREATE TABLE IF NOT EXISTS livebind.topics (id text PRIMARY KEY, partitions int NOT NULL);
CREATE TABLE IF NOT EXISTS livebind.topic_sources (
  topic_id text NOT NULL REFERENCES livebind.topics (id) ON DELETE CASCADE, tbl text NOT NULL, op text NOT NULL,
  where_sql text, payload text NOT NULL, PRIMARY KEY (topic_id, tbl, op));
CREATE TABLE IF NOT EXISTS livebind.topic_messages (
  topic_id text NOT NULL, partition_id int NOT NULL, "offset" int8 NOT NULL, payload text NOT NULL, key text,
  ts int8 NOT NULL, usr text, op text NOT NULL, PRIMARY KEY (topic_id, partition_id, "offset"));
CREATE TABLE IF NOT EXISTS livebind.topic_offsets (
  topic_id text NOT NULL, group_id text NOT NULL, partition_id int NOT NULL, acked int8 NOT NULL,
  PRIMARY KEY (topic_id, group_id, partition_id));
`;
