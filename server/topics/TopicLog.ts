/**
 * The topic message log of one engine: numbers the changes of source tables into
 * livebind.topic_messages (offsets per partition, from 0), reads batches for consumers, stores group
 * offsets, and wakes long polls when messages arrive.
 *
 * No lost records: the change trigger writes each change of a source table into
 * livebind.topic_outbox inside the writing transaction (bootstrapSql.ts), so a rolled-back write
 * leaves nothing and a committed one always leaves its change. `flush` moves the outbox into
 * numbered messages in one transaction of its own: it runs right behind every write to a source
 * table (queued from the change listener, inside the writing job, so any request that arrives after
 * the write was answered already sees the messages), at start (what a crash left), and again after
 * a failure (the outbox keeps what was not numbered).
 */
import type { PGlite } from '@electric-sql/pglite';
import { changeRecordOf, type ChangeRow, type PgliteEngine } from '../engine/pgliteEngine.js';
import type { ChangeRecord } from '../engine/types.js';
import { messagesFor, type PendingMessage } from './topicMessages.js';
import type { TopicDef } from './TopicRegistry.js';

/** Messages kept per partition; older ones are trimmed (a consumer that far behind skips them). */
export const MAX_RETAINED_PER_PARTITION = 100_000;

export type StartPosition = 'earliest' | 'latest' | { readonly offset: number };

export interface StoredMessage {
  readonly topic_id: string;
  readonly partition_id: number;
  readonly offset: number;
  /** base64 of the payload JSON. */
  readonly payload: string;
  readonly key?: string;
  readonly timestamp_ms: number;
  readonly user?: string;
  readonly op: string;
}

export interface ConsumeRequest {
  readonly topic: TopicDef;
  readonly group: string;
  readonly partition: number;
  readonly start: StartPosition;
  readonly limit: number;
  /** Wait this long for a first message when there is none (0: answer at once). */
  readonly waitMs: number;
  /** Aborted when the request goes away. */
  readonly signal: AbortSignal;
}

export interface ConsumeResult {
  readonly messages: StoredMessage[];
  readonly next_offset: number;
  readonly has_more: boolean;
}

interface MessageRow {
  offset: string;
  payload: string;
  key: string | null;
  ts: string;
  usr: string | null;
  op: string;
}

interface OutboxRow extends ChangeRow {
  ts: string;
}

export class TopicLog {
  private flushQueued = false;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly stopCapture: () => void;

  constructor(private readonly engine: PgliteEngine) {
    this.stopCapture = engine.onChange((change) => {
      if (engine.catalog.topics.sourcesFor(change.table).length > 0) this.scheduleFlush();
    });
    this.scheduleFlush(); // what a crash left in the outbox
  }

  close(): void {
    this.stopCapture();
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  /** Queues one flush behind the current job (a flush already queued covers later writes too). */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.engine
      .run((db) => {
        this.flushQueued = false;
        return this.flush(db);
      }, { writes: false })
      .then(
        (woken) => woken.forEach((k) => this.wake(k)),
        (e: unknown) => {
          if (e instanceof Error && e.message === 'The engine is closed') return;
          process.emitWarning(`livebind: topic messages were not numbered yet (kept in the outbox, retried with the next write): ${e instanceof Error ? e.message : String(e)}`);
        },
      );
  }

  /** The outbox → numbered messages, in one transaction; returns the `topic/partition` keys that got messages. */
  private async flush(db: PGlite): Promise<string[]> {
    await db.exec('BEGIN');
    const r = await db.query<OutboxRow>(
      `WITH d AS (DELETE FROM livebind.topic_outbox RETURNING *)
       SELECT tbl, owner, op, seq::text AS seq, new_row, old_row, ts::text AS ts FROM d ORDER BY id`,
    );
    const registry = this.engine.catalog.topics;
    const batch: PendingMessage[] = [];
    for (const row of r.rows) {
      const table = this.engine.catalog.byQualifiedName(row.tbl);
      const sources = registry.sourcesFor(row.tbl);
      if (table === undefined || sources.length === 0) continue;
      const change = changeRecordOf(table, row);
      batch.push(...messagesFor(change, table, sources, (id) => registry.get(id), Number(row.ts)));
    }
    const woken = await this.append(db, batch);
    await db.exec('COMMIT');
    return woken;
  }

  /** Appends in outbox order; returns the `topic/partition` keys that got messages. */
  private async append(db: PGlite, batch: readonly PendingMessage[]): Promise<string[]> {
    const next = new Map<string, number>();
    for (const m of batch) {
      const k = partitionKey(m.topicId, m.partition);
      let offset = next.get(k);
      if (offset === undefined) {
        const r = await db.query<{ n: string }>(
          'SELECT coalesce(max("offset") + 1, 0)::text AS n FROM livebind.topic_messages WHERE topic_id = $1 AND partition_id = $2',
          [m.topicId, m.partition],
        );
        offset = Number(r.rows[0]?.n ?? 0);
      }
      await db.query(
        'INSERT INTO livebind.topic_messages (topic_id, partition_id, "offset", payload, key, ts, usr, op) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [m.topicId, m.partition, offset, m.payload, m.key, m.timestampMs, m.user, m.op],
      );
      next.set(k, offset + 1);
    }
    for (const [k, end] of next) {
      if (end % 1000 !== 0 || end <= MAX_RETAINED_PER_PARTITION) continue;
      const [topicId, partition] = splitKey(k);
      await db.query('DELETE FROM livebind.topic_messages WHERE topic_id = $1 AND partition_id = $2 AND "offset" < $3', [
        topicId,
        partition,
        end - MAX_RETAINED_PER_PARTITION,
      ]);
    }
    return [...next.keys()];
  }

  /**
   * One batch from the group's committed offset + 1, or from `start` when the group has none. With
   * `waitMs`, an empty answer waits for a message on the partition (long poll), then reads again
   * from the same position.
   */
  async consume(req: ConsumeRequest): Promise<ConsumeResult> {
    const key = partitionKey(req.topic.id, req.partition);
    const first = await this.read(req, undefined);
    if (first.messages.length > 0 || req.waitMs <= 0 || req.signal.aborted) return first;
    await this.waitFor(key, req.waitMs, req.signal);
    if (req.signal.aborted) return first;
    return this.read(req, first.next_offset);
  }

  private read(req: ConsumeRequest, from: number | undefined): Promise<ConsumeResult> {
    return this.engine.run((db) => readBatch(db, req, from), { writes: false });
  }

  /**
   * Commits `upto` (inclusive) for the group. Offsets only move forward: a late ack of an older
   * batch never rewinds the group. Returns the committed offset.
   */
  ack(topic: TopicDef, group: string, partition: number, upto: number): Promise<number> {
    return this.engine.run((db) => commitOffset(db, topic.id, group, partition, upto), { writes: false });
  }

  /** The highest offset stored in the partition, or -1. */
  highWater(topic: TopicDef, partition: number): Promise<number> {
    return this.engine.run((db) => highWaterOf(db, topic.id, partition), { writes: false });
  }

  private waitFor(key: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (set === undefined) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  private wake(key: string): void {
    for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
  }
}

function partitionKey(topicId: string, partition: number): string {
  return `${partition}/${topicId}`;
}

function splitKey(key: string): [string, number] {
  const i = key.indexOf('/');
  return [key.slice(i + 1), Number(key.slice(0, i))];
}

/**
 * One batch (engine job context): from `from`, else the group's committed offset + 1, else
 * `req.start` (also without a group).
 */
export async function readBatch(
  db: PGlite,
  req: Pick<ConsumeRequest, 'topic' | 'partition' | 'start' | 'limit'> & { readonly group: string | undefined },
  from: number | undefined,
): Promise<ConsumeResult> {
  const params = [req.topic.id, req.partition];
  let position = from;
  if (position === undefined && req.group !== undefined) {
    const committed = await db.query<{ acked: string }>(
      'SELECT acked::text AS acked FROM livebind.topic_offsets WHERE topic_id = $1 AND group_id = $2 AND partition_id = $3',
      [req.topic.id, req.group, req.partition],
    );
    const acked = committed.rows[0]?.acked;
    if (acked !== undefined) position = Number(acked) + 1;
  }
  if (position === undefined) {
    if (typeof req.start === 'object') position = req.start.offset;
    else {
      const r = await db.query<{ lo: string | null; hi: string | null }>(
        'SELECT min("offset")::text AS lo, max("offset")::text AS hi FROM livebind.topic_messages WHERE topic_id = $1 AND partition_id = $2',
        params,
      );
      const { lo, hi } = r.rows[0] ?? { lo: null, hi: null };
      position = req.start === 'earliest' ? Number(lo ?? 0) : hi === null ? 0 : Number(hi) + 1;
    }
  }
  const r = await db.query<MessageRow>(
    `SELECT "offset"::text AS "offset", payload, key, ts::text AS ts, usr, op FROM livebind.topic_messages
     WHERE topic_id = $1 AND partition_id = $2 AND "offset" >= $3 ORDER BY "offset" LIMIT $4`,
    [...params, position, req.limit],
  );
  const messages = r.rows.map((row): StoredMessage => {
    const m: { -readonly [K in keyof StoredMessage]: StoredMessage[K] } = {
      topic_id: req.topic.id,
      partition_id: req.partition,
      offset: Number(row.offset),
      payload: Buffer.from(row.payload, 'utf8').toString('base64'),
      timestamp_ms: Number(row.ts),
      op: row.op,
    };
    if (row.key !== null) m.key = row.key;
    if (row.usr !== null) m.user = row.usr;
    return m;
  });
  const last = messages[messages.length - 1];
  return { messages, next_offset: last === undefined ? position : last.offset + 1, has_more: messages.length === req.limit };
}

/** Commits `upto` for the group, never moving it back; returns the committed offset. */
export async function commitOffset(db: PGlite, topicId: string, group: string, partition: number, upto: number): Promise<number> {
  const r = await db.query<{ acked: string }>(
    `INSERT INTO livebind.topic_offsets (topic_id, group_id, partition_id, acked) VALUES ($1, $2, $3, $4)
     ON CONFLICT (topic_id, group_id, partition_id) DO UPDATE SET acked = greatest(livebind.topic_offsets.acked, EXCLUDED.acked)
     RETURNING acked::text AS acked`,
    [topicId, group, partition, upto],
  );
  return Number(r.rows[0]?.acked ?? upto);
}

/** The highest offset stored in the partition, or -1. */
export async function highWaterOf(db: PGlite, topicId: string, partition: number): Promise<number> {
  const r = await db.query<{ hi: string | null }>('SELECT max("offset")::text AS hi FROM livebind.topic_messages WHERE topic_id = $1 AND partition_id = $2', [topicId, partition]);
  return r.rows[0]?.hi == null ? -1 : Number(r.rows[0].hi);
}
