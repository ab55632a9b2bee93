/**
 * KalamDB server subscriptions over the one connection (spec §6–§8; states in docs/SPEC.md §2):
 * unique ids, subscribe frames (queued while offline), automatic paging with `next_batch`,
 * checkpoints (highest `_seq` seen, §8.2), resubscribe with the same id and `from` = checkpoint
 * after every reconnect, the replay filter, and routing of messages to one sink per subscription.
 * Sinks get wire rows; KalamFeed turns them into neutral rows and changes for src/live.
 */
import { SubscriptionError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import { utf8Length } from '../../connection/OutboundQueue.js';
import type { ConnectionPort, LoadKind } from '../driver.js';
import { encodeClientCommand, seqOf } from './codec.js';
import type { SchemaField, ServerMessage, SubscribeOptions, WireRow } from './messages.js';

export const SUB_PENDING = 'pending'; // subscribe sent or queued, no ack yet
export const SUB_LOADING = 'loading'; // acked, pages arriving
export const SUB_READY = 'ready'; // load done, live changes flowing
export const SUB_FAILED = 'failed'; // terminal: the server rejected it, or the connection gave up
export type SubscriptionState = typeof SUB_PENDING | typeof SUB_LOADING | typeof SUB_READY | typeof SUB_FAILED;

export type { LoadKind } from '../driver.js';

export interface SubscriptionSpec {
  /** Final SQL (parameters already bound as literals). */
  readonly sql: string;
  /** false: live changes only (no `options`, no initial rows). */
  readonly load: boolean;
  readonly batchSize?: number | undefined;
  readonly lastRows?: number | undefined;
  /** Set when a client-side check rejected the SQL (strictLiveSql): fail at once, send nothing. */
  readonly rejectReason?: string | undefined;
}

export interface SubscriptionSink {
  /** A (re)subscribe was acknowledged. `kind` says what the following pages mean. */
  onAck(schema: readonly SchemaField[], kind: LoadKind, totalRows?: number): void;
  /** One page (replay-filtered); `last` = the load is complete (state ready). */
  onPage(rows: readonly WireRow[], last: boolean, kind: LoadKind): void;
  /** Live-only subscription acknowledged as ready (no pages). */
  onReady(): void;
  /** `seq`: `_seq` of the new version (delete: of the tombstone), undefined when the frame has none. */
  onChange(type: 'insert' | 'update' | 'delete', rows: readonly WireRow[], oldValues: readonly WireRow[], seq: bigint | undefined): void;
  /** The socket was lost; a resume follows. */
  onReconnecting(): void;
  /** Terminal. */
  onError(error: LivebindError): void;
}

interface Entry {
  readonly id: string;
  readonly spec: SubscriptionSpec;
  readonly sink: SubscriptionSink;
  state: SubscriptionState;
  kind: LoadKind;
  checkpoint: bigint | undefined;
  /** Replay filter bound of the current resume: drop rows/changes with `_seq <= from`. */
  from: bigint | undefined;
  /** The last subscribe carried `options`, so pages follow the ack. */
  expectPages: boolean;
  /** A resume (`from` sent) not yet complete: SeqIds go to `pendingCheckpoint`, not `checkpoint`. */
  resuming: boolean;
  /** The resume's snapshot bound (the ack's `snapshot_end_seq`), when the server sent one. */
  resumeBound: bigint | undefined;
  /** Highest SeqId seen during an incomplete resume. */
  pendingCheckpoint: bigint | undefined;
}

export interface SubscriptionHandle {
  readonly id: string;
  checkpoint(): bigint | undefined;
  close(): void;
}

export class SubscriptionManager {
  private readonly entries = new Map<string, Entry>();
  private counter = 0;
  /** From the last auth_success: the server replays outage deletes on resume (resume 'auto'). */
  private serverResumesDeletes = false;

  constructor(
    private readonly connection: ConnectionPort,
    private readonly resumeMode: 'auto' | 'seq' | 'reload',
  ) {}

  /** What the last auth_success announced (`"livebind":{"resume_deletes":true}`, K§12.3.2). */
  set resumesDeletes(value: boolean) {
    this.serverResumesDeletes = value;
  }

  get size(): number {
    return this.entries.size;
  }

  open(spec: SubscriptionSpec, sink: SubscriptionSink): SubscriptionHandle {
    const id = `lb-${++this.counter}`;
    if (spec.rejectReason !== undefined) {
      sink.onError(
        new SubscriptionError(`Live query not sent: ${spec.rejectReason}.`, { code: 'UNSUPPORTED_LIVE_SQL', subscriptionId: id, sql: spec.sql }),
      );
      return { id, checkpoint: () => undefined, close: () => {} };
    }
    const fatal = this.connection.fatalError;
    if (fatal !== undefined) {
      // Nothing would ever be sent: end it like the subscriptions that were running (SPEC §1.3).
      sink.onError(fatal);
      return { id, checkpoint: () => undefined, close: () => {} };
    }
    const entry: Entry = {
      id,
      spec,
      sink,
      state: SUB_PENDING,
      kind: 'initial',
      checkpoint: undefined,
      from: undefined,
      expectPages: false,
      resuming: false,
      resumeBound: undefined,
      pendingCheckpoint: undefined,
    };
    this.entries.set(id, entry);
    if (this.subscribe(entry)) this.connection.start();
    return {
      id,
      checkpoint: () => entry.checkpoint,
      close: () => this.release(entry),
    };
  }

  /** The connection stopped for good: every subscription ends with `error` (SPEC §1.3). */
  stop(error: LivebindError): void {
    for (const entry of this.entries.values()) {
      if (entry.state === SUB_FAILED) continue;
      entry.state = SUB_FAILED;
      this.entries.delete(entry.id);
      entry.sink.onError(error);
    }
  }

  /** The socket is gone; every live subscription resumes on the next socket (or ends, when the connection stopped). */
  socketClosed(): void {
    const fatal = this.connection.fatalError;
    if (fatal !== undefined) {
      this.stop(fatal);
      return;
    }
    for (const entry of this.entries.values()) {
      if (entry.state === SUB_FAILED) continue;
      const hadAck = entry.state !== SUB_PENDING || entry.kind !== 'initial';
      entry.state = SUB_PENDING;
      if (hadAck) {
        const mode = this.resumeMode === 'auto' ? (this.serverResumesDeletes ? 'seq' : 'reload') : this.resumeMode;
        const reload = entry.spec.load && (mode === 'reload' || entry.checkpoint === undefined);
        entry.kind = reload ? 'reload' : 'resume';
        entry.sink.onReconnecting();
      }
      this.subscribe(entry);
    }
  }

  onMessage(message: ServerMessage): void {
    // Undecodable frames and errors with synthetic ids never get here: the session treats them as a broken stream (SPEC §1.5).
    if (message.type === 'invalid' || message.type === 'auth_success' || message.type === 'auth_error') return;
    const entry = this.entries.get(message.subscriptionId);
    if (!entry) return; // unknown or released id (spec §7.6): ignore
    switch (message.type) {
      case 'subscription_ack':
        // With pages to follow, the ack only repeats page 0's batch_control (K§6.2): its
        // last_seq_id counts once page 0 is applied, else a socket lost in between would
        // resume past rows never seen.
        if (!entry.expectPages) this.advance(entry, message.batch.lastSeqId);
        // A resume is complete once everything up to the server's snapshot bound arrived: its pages,
        // then the deletes of rows that left the result (SeqIds at or below the bound, sent after
        // the last page). The first SeqId above the bound (a held-back or live change) proves that.
        if (entry.resuming) entry.resumeBound = message.batch.snapshotEndSeq;
        entry.state = entry.expectPages ? SUB_LOADING : SUB_READY;
        entry.sink.onAck(message.schema, entry.kind, message.totalRows);
        if (entry.state === SUB_READY) entry.sink.onReady();
        return;
      case 'initial_data_batch': {
        if (entry.state !== SUB_LOADING) return;
        const rows = this.replayFilter(entry, message.rows);
        const last = !message.batch.hasMore;
        for (const row of message.rows) this.advance(entry, seqOf(row));
        this.advance(entry, message.batch.lastSeqId);
        if (last && entry.resuming && entry.resumeBound === undefined) this.settle(entry);
        if (last) entry.state = SUB_READY;
        else this.connection.send(encodeClientCommand({ type: 'next_batch', subscriptionId: entry.id, lastSeqId: message.batch.lastSeqId }));
        entry.sink.onPage(rows, last, entry.kind);
        return;
      }
      case 'change': {
        // `_seq` of the new version the change carries (delete: the tombstone's), each `_seq` parsed once.
        const { rows, oldValues } = message;
        let seq: bigint | undefined;
        for (let i = 0; i < rows.length; i++) {
          const s = seqOf(rows[i]!);
          if (i === 0) seq = s;
          this.advance(entry, s);
        }
        for (let i = 0; i < oldValues.length; i++) {
          const s = seqOf(oldValues[i]!);
          if (i === 0 && rows.length === 0) seq = s;
          this.advance(entry, s);
        }
        if (entry.from !== undefined && seq !== undefined && seq <= entry.from) return; // replayed: already applied
        entry.sink.onChange(message.changeType, message.rows, message.oldValues, seq);
        return;
      }
      case 'error': {
        entry.state = SUB_FAILED;
        this.entries.delete(entry.id);
        entry.sink.onError(
          new SubscriptionError(`The server rejected the live query (${message.code}): ${message.message}`, {
            // One code for a missing table everywhere: KalamDB says NOT_FOUND over the socket and TABLE_NOT_FOUND over HTTP.
            code: message.code === 'NOT_FOUND' && /table not found/i.test(message.message) ? 'TABLE_NOT_FOUND' : message.code,
            subscriptionId: entry.id,
            sql: entry.spec.sql,
          }),
        );
        return;
      }
    }
  }

  /** Queue the (re)subscribe; false when it cannot be sent (too large) and the entry failed. */
  private subscribe(entry: Entry): boolean {
    const resumeFrom = entry.kind === 'resume' ? entry.checkpoint : undefined;
    entry.from = resumeFrom;
    // Until the resume completes the checkpoint stays at `from`: a socket lost mid-resume resumes
    // from `from` again, so the deletes of rows that left the result are never skipped.
    entry.resuming = resumeFrom !== undefined;
    entry.resumeBound = undefined;
    entry.pendingCheckpoint = undefined;
    let options: SubscribeOptions | undefined;
    if (entry.spec.load || resumeFrom !== undefined) {
      // §8.3 step 4: original options + `from`; no snapshot_end_seq (avoids the gap of step 5).
      options = {
        ...(entry.spec.batchSize === undefined ? {} : { batchSize: entry.spec.batchSize }),
        ...(entry.spec.lastRows === undefined || resumeFrom !== undefined ? {} : { lastRows: entry.spec.lastRows }),
        ...(resumeFrom === undefined ? {} : { from: resumeFrom }),
      };
    }
    entry.expectPages = options !== undefined;
    const frame = encodeClientCommand({ type: 'subscribe', id: entry.id, sql: entry.spec.sql, options });
    const limit = this.connection.maxFrameBytes;
    const bytes = frame.length > limit / 3 ? utf8Length(frame) : frame.length; // under limit/3 UTF-16 units it fits anyway
    if (bytes > limit) {
      // The server would drop it with a synthetic-id error that names no subscription: fail it here (SPEC §2.1).
      this.connection.unqueue(entry.id);
      entry.state = SUB_FAILED;
      this.entries.delete(entry.id);
      entry.sink.onError(
        new SubscriptionError(
          `Live query not sent: its subscribe message is ${bytes} bytes, over the server's frame limit of ${limit} bytes (option maxMessageBytes). Shorten the SQL or its parameters.`,
          { code: 'MESSAGE_TOO_LARGE', subscriptionId: entry.id, sql: entry.spec.sql },
        ),
      );
      return false;
    }
    this.connection.send(frame, entry.id);
    return true;
  }

  private release(entry: Entry): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    // A subscribe still queued never reached the server: dropping it is enough. Offline there is
    // nothing to undo either (the server forgets subscriptions with the socket).
    if (!this.connection.unqueue(entry.id) && this.connection.isOpen) {
      this.connection.send(encodeClientCommand({ type: 'unsubscribe', subscriptionId: entry.id }));
    }
  }

  private replayFilter(entry: Entry, rows: readonly WireRow[]): readonly WireRow[] {
    const from = entry.from;
    if (from === undefined) return rows;
    return rows.filter((row) => {
      const seq = seqOf(row);
      return seq === undefined || seq > from;
    });
  }

  private advance(entry: Entry, seq: bigint | undefined): void {
    if (entry.resuming) {
      entry.pendingCheckpoint = maxSeq(entry.pendingCheckpoint, seq);
      if (seq !== undefined && entry.resumeBound !== undefined && seq > entry.resumeBound) this.settle(entry);
      return;
    }
    if (seq !== undefined && (entry.checkpoint === undefined || seq > entry.checkpoint)) entry.checkpoint = seq;
  }

  /** The resume is complete: what it delivered counts for the checkpoint. */
  private settle(entry: Entry): void {
    entry.resuming = false;
    const done = entry.pendingCheckpoint;
    entry.pendingCheckpoint = undefined;
    this.advance(entry, done);
  }
}

function maxSeq(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
