import { SESSIONS_SQL } from '../auth/sessions.js';
import { TOPICS_SQL } from '../topics/topicSchema.js';
import { FILES_SQL } from '../files/fileSchema.js';

/**
 * Internal schema of the engine: SeqId generator, change log, tombstones, catalog, users, roles.
 * Idempotent; runs at every start (also on persisted data directories).
 */
export const SEQ_EPOCH_MS = 1704067200000n;
export const SEQ_WORKER = 1n;

export const BOOTSTRAP_SQL = `
CREATE SCHEMA IF NOT EXISTS livebind;
CREATE SCHEMA IF NOT EXISTS livebind_fn;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'livebind_user') THEN CREATE ROLE livebind_user NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'livebind_admin') THEN CREATE ROLE livebind_admin NOLOGIN; END IF;
END $$;
REVOKE ALL ON SCHEMA livebind FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$;
GRANT USAGE ON SCHEMA livebind_fn TO livebind_user, livebind_admin;

CREATE TABLE IF NOT EXISTS livebind.seq_state (id int PRIMARY KEY, last_seq int8 NOT NULL);
INSERT INTO livebind.seq_state VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS livebind.changes (
  id bigserial PRIMARY KEY, tbl text NOT NULL, owner text, op text NOT NULL, seq int8 NOT NULL, new_row text, old_row text);
CREATE TABLE IF NOT EXISTS livebind.tombstones (
  tbl text NOT NULL, owner text NOT NULL, key text NOT NULL, seq int8 NOT NULL, old_row text NOT NULL,
  PRIMARY KEY (tbl, owner, key));
CREATE INDEX IF NOT EXISTS tombstones_seq ON livebind.tombstones (tbl, owner, seq);
CREATE TABLE IF NOT EXISTS livebind.tables (qualified_name text PRIMARY KEY, info jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS livebind.users (
  id text PRIMARY KEY, password_hash text NOT NULL, role text NOT NULL, email text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
${SESSIONS_SQL}
${TOPICS_SQL}
${FILES_SQL}

-- SeqId (§1.1): 41 bits ms since 2024-01-01 | 10 bits worker | 12 bits sequence; strictly increasing,
-- also within one millisecond and when the clock goes back (the sequence then borrows the next ms).
CREATE OR REPLACE FUNCTION livebind.next_seq_at(now_ms int8) RETURNS int8 LANGUAGE plpgsql AS $$
DECLARE
  last int8;
  cand int8;
  nxt int8;
BEGIN
  SELECT last_seq INTO last FROM livebind.seq_state WHERE id = 1 FOR UPDATE;
  cand := ((now_ms - ${SEQ_EPOCH_MS}) << 22) | (${SEQ_WORKER} << 12);
  IF cand > last THEN
    nxt := cand;
  ELSIF (last & 4095) < 4095 THEN
    nxt := ((last >> 22) << 22) | (${SEQ_WORKER} << 12) | ((last & 4095) + 1);
  ELSE
    nxt := (((last >> 22) + 1) << 22) | (${SEQ_WORKER} << 12);
  END IF;
  UPDATE livebind.seq_state SET last_seq = nxt WHERE id = 1;
  RETURN nxt;
END $$;

CREATE OR REPLACE FUNCTION livebind.next_seq() RETURNS int8 LANGUAGE sql AS $$
  SELECT livebind.next_seq_at(floor(extract(epoch FROM clock_timestamp()) * 1000)::int8)
$$;

CREATE OR REPLACE FUNCTION livebind_fn.snowflake_id() RETURNS int8 LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog AS $$ SELECT livebind.next_seq() $$;
REVOKE ALL ON FUNCTION livebind.next_seq_at(int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION livebind.next_seq() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION livebind_fn.snowflake_id() TO livebind_user, livebind_admin;

-- BEFORE INSERT/UPDATE: new version, new _seq; USER tables pin the owner.
-- TG_ARGV[0] = 'user' | 'shared'.
CREATE OR REPLACE FUNCTION livebind.before_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
BEGIN
  NEW._seq := livebind.next_seq();
  NEW._deleted := false;
  IF TG_ARGV[0] = 'user' THEN
    IF TG_OP = 'INSERT' THEN
      IF coalesce(current_setting('livebind.user_id', true), '') = '' THEN
        RAISE EXCEPTION 'USER table write without a user' USING ERRCODE = '42501';
      END IF;
      NEW._livebind_owner := current_setting('livebind.user_id', true);
    ELSE
      NEW._livebind_owner := OLD._livebind_owner;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- AFTER INSERT/UPDATE/DELETE: change log + tombstones. TG_ARGV = [type, qualified name, pk columns...].
CREATE OR REPLACE FUNCTION livebind.after_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog AS $$
DECLARE
  new_j json;
  old_j json;
  new_txt text;
  old_txt text;
  new_key text;
  old_key text;
  own text := '';
  s int8;
BEGIN
  IF TG_OP <> 'DELETE' THEN
    new_j := row_to_json(NEW);
    new_txt := (SELECT json_object_agg(key, value)::text FROM json_each_text(new_j) WHERE key <> '_livebind_owner');
    new_key := livebind.row_key(new_j, TG_ARGV);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_j := row_to_json(OLD);
    old_txt := (SELECT json_object_agg(key, value)::text FROM json_each_text(old_j) WHERE key <> '_livebind_owner');
    old_key := livebind.row_key(old_j, TG_ARGV);
  END IF;
  IF TG_ARGV[0] = 'user' THEN own := coalesce(new_j, old_j) ->> '_livebind_owner'; END IF;
  IF TG_OP = 'INSERT' THEN
    DELETE FROM livebind.tombstones WHERE tbl = TG_ARGV[1] AND owner = own AND key = new_key;
    s := NEW._seq;
    INSERT INTO livebind.changes (tbl, owner, op, seq, new_row) VALUES (TG_ARGV[1], own, 'insert', s, new_txt);
  ELSIF TG_OP = 'UPDATE' THEN
    IF new_key IS DISTINCT FROM old_key THEN
      INSERT INTO livebind.tombstones VALUES (TG_ARGV[1], own, old_key, NEW._seq, old_txt)
        ON CONFLICT (tbl, owner, key) DO UPDATE SET seq = EXCLUDED.seq, old_row = EXCLUDED.old_row;
      DELETE FROM livebind.tombstones WHERE tbl = TG_ARGV[1] AND owner = own AND key = new_key;
    END IF;
    s := NEW._seq;
    INSERT INTO livebind.changes (tbl, owner, op, seq, new_row, old_row) VALUES (TG_ARGV[1], own, 'update', s, new_txt, old_txt);
  ELSE
    s := livebind.next_seq();
    INSERT INTO livebind.tombstones VALUES (TG_ARGV[1], own, old_key, s, old_txt)
      ON CONFLICT (tbl, owner, key) DO UPDATE SET seq = EXCLUDED.seq, old_row = EXCLUDED.old_row;
    INSERT INTO livebind.changes (tbl, owner, op, seq, old_row) VALUES (TG_ARGV[1], own, 'delete', s, old_txt);
  END IF;
  -- Topics (server/topics): a table and operation some topic takes from gets the change in the
  -- topic outbox, in this same transaction; the topic log numbers it right after the write.
  IF EXISTS (SELECT 1 FROM livebind.topic_sources WHERE tbl = TG_ARGV[1] AND op = lower(TG_OP)) THEN
    INSERT INTO livebind.topic_outbox (tbl, owner, op, seq, new_row, old_row, ts)
      VALUES (TG_ARGV[1], own, lower(TG_OP), s, new_txt, old_txt, floor(extract(epoch FROM clock_timestamp()) * 1000)::int8);
  END IF;
  RETURN NULL;
END $$;

-- Key of a row (args = TG_ARGV, subscripts from 0): JSON array of its primary-key values as text; the version's _seq without a primary key.
CREATE OR REPLACE FUNCTION livebind.row_key(j json, args text[]) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k jsonb := '[]'::jsonb;
BEGIN
  IF coalesce(array_length(args, 1), 0) <= 2 THEN RETURN j ->> '_seq'; END IF;
  FOR i IN array_lower(args, 1) + 2 .. array_upper(args, 1) LOOP
    k := k || jsonb_build_array(j ->> args[i]);
  END LOOP;
  RETURN k::text;
END $$;
`;
