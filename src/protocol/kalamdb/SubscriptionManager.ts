/**
 * KalamDB server subscriptions over the one connection (spec §6–§8; states in docs/SPEC.md §2):
 * unique ids, subscribe frames (queued while offline), automatic paging with `next_batch`,
 * checkpoints (highest `_seq` seen, §8.2), resubscribe with the same id and `from` = checkpoint
 * after every reconnect, the replay filter, and routing of messages to one RowSink per subscription,
 * as neutral columns, rows and changes (the KalamDB row rules are in wireRows.ts).
 * A closure rather than a class: local names minify (this sits in every browser bundle).
 */
import { SubscriptionError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import { utf8Length } from '../../connection/utf8Length.js';
import { keyColumnsFor } from '../../live/keyOf.js';
import type { Column, ConnectionPort, FeedHandle, LoadKind, RowSink } from '../driver.js';
import { encodeClientCommand, seqOf } from './codec.js';
import type { ServerMessage, SubscribeOptions } from './messages.js';
import { rowChange, userColumns, userRow } from './wireRows.js';

// Numbers: states are only compared, and numeric constants inline in the bundle.
export const SUB_PENDING = 0; // subscribe sent or queued, no ack yet
export const SUB_LOADING = 1; // acked, pages arriving
export const SUB_READY = 2; // load done, live changes flowing
export const SUB_FAILED = 3; // terminal: the server rejected it, or the connection gave up (the entry leaves the manager)
export type SubscriptionState = typeof SUB_PENDING | typeof SUB_LOADING | typeof SUB_READY | typeof SUB_FAILED;

export type { LoadKind } from '../driver.js';

export interface SubscriptionSpec {
  /** Final SQL (parameters already bound as literals). */
  readonly sql: string;
  /** false: live changes only (no `options`, no initial rows). */
  readonly load: boolean;
  readonly batchSize?: number | undefined;
  readonly lastRows?: number | undefined;
  /** The `key` option (resolved against each ack's columns; the update rule needs the key columns). */
  readonly key?: string | readonly string[] | undefined;
}

/**
 * Initial-load page size sent when the query names none. KalamDB takes `batch_size` as given (1000
 * is only its default) and the dev server caps it at 10,000; one page per `next_batch` means the
 * client's outbound pacing (45 frames/s) bounds a load to 45 pages a second, so 1000-row pages
 * alone kept 100,000 rows above 2 s. Server → client frames are not bound by the 1 MiB inbound limit.
 */
export const DEFAULT_LOAD_BATCH_SIZE = 10_000;

/** A message for one subscription (routed by its id). */
type Routed = Extract<ServerMessage, { readonly subscriptionId: string }>;

/** The manager's side of one subscription; its state lives in the closure `open` makes for it. */
interface Entry {
  /** The socket is gone: re-queue the subscribe, resuming from the checkpoint (`seq`) or reloading. */
  lost(mode: 'seq' | 'reload'): void;
  receive(message: Routed): void;
  /** Terminal: leave the manager and tell the sink. */
  fail(error: LivebindError): void;
}

/** A subscription as the driver's FeedHandle: `cursor()` is its checkpoint. */
export type SubscriptionHandle = Required<FeedHandle>;

export interface SubscriptionManager {
  /** `rejectReason`: set when a client-side check rejected the SQL (strictLiveSql): fail at once, send nothing. */
  open(spec: SubscriptionSpec, sink: RowSink, rejectReason?: string): SubscriptionHandle;
  /** The connection stopped for good: every subscription ends with `error` (SPEC §1.3). */
  stop(error: LivebindError): void;
  /** The socket is gone; every live subscription resumes on the next socket (or ends, when the connection stopped). */
  socketClosed(): void;
  onMessage(message: ServerMessage): void;
  /** What the last auth_success announced (`"livebind":{"resume_deletes":true}`, K§12.3.2). */
  resumesDeletes: boolean;
}

export function createSubscriptionManager(connection: ConnectionPort, resumeMode: 'auto' | 'seq' | 'reload'): SubscriptionManager {
  /** The subscriptions not failed nor closed, by id. */
  const entries = new Map<string, Entry>();
  let counter = 0;

  const stop = (error: LivebindError): void => {
    for (const entry of entries.values()) entry.fail(error);
  };

  const manager: SubscriptionManager = {
    resumesDeletes: false,

    open(spec, sink, rejectReason) {
      const id = `lb-${++counter}`;
      /** A SubscriptionError for this subscription (code, message, its id and SQL). */
      const subscriptionError = (code: string, message: string): SubscriptionError =>
        new SubscriptionError(message, { code, subscriptionId: id, sql: spec.sql });
      // SUB_FAILED is leaving `entries`: nothing reads the state of a failed subscription.
      let state: SubscriptionState = SUB_PENDING;
      let kind: LoadKind = 'initial';
      let checkpoint: bigint | undefined;
      /** Replay filter bound of the current resume: drop rows/changes with `_seq <= from`. */
      let from: bigint | undefined;
      /** The last subscribe carried `options`, so pages follow the ack. */
      let expectPages = false;
      /** A resume (`from` sent) not yet complete: SeqIds go to `pendingCheckpoint`, not `checkpoint`. */
      let resuming = false;
      /** The resume's snapshot bound (the ack's `snapshot_end_seq`), when the server sent one. */
      let resumeBound: bigint | undefined;
      /** Highest SeqId seen during an incomplete resume. */
      let pendingCheckpoint: bigint | undefined;
      /** The user columns of the last non-empty ack schema (update rows are completed to them). */
      let lastColumns: readonly Column[] = [];
      let keyColumns: readonly string[] = ['id'];

      const fail = (error: LivebindError): void => {
        entries.delete(id);
        sink.onError(error);
      };

      /** Queue the (re)subscribe; false when it cannot be sent (too large) and the subscription failed. */
      const subscribe = (): boolean => {
        from = kind === 'resume' ? checkpoint : undefined;
        // Until the resume completes the checkpoint stays at `from`: a socket lost mid-resume resumes
        // from `from` again, so the deletes of rows that left the result are never skipped.
        resuming = from !== undefined;
        resumeBound = pendingCheckpoint = undefined;
        expectPages = spec.load || resuming;
        // §8.3 step 4: original options + `from`; no snapshot_end_seq (avoids the gap of step 5).
        // A load's page size: the query's, else the default raised to `last_rows` (KalamDB rejects last_rows > batch_size).
        const options: SubscribeOptions | undefined = expectPages
          ? {
              batch_size: spec.batchSize ?? (spec.load ? Math.max(DEFAULT_LOAD_BATCH_SIZE, spec.lastRows ?? 0) : undefined),
              last_rows: resuming ? undefined : spec.lastRows,
              from,
            }
          : undefined;
        const frame = encodeClientCommand({ type: 'subscribe', subscription: { id, sql: spec.sql, options } });
        const limit = connection.maxFrameBytes;
        const bytes = frame.length > limit / 3 ? utf8Length(frame) : frame.length; // under limit/3 UTF-16 units it fits anyway
        if (bytes > limit) {
          // The server would drop it with a synthetic-id error that names no subscription: fail it here (SPEC §2.1).
          connection.unqueue(id);
          fail(
            subscriptionError(
              'MESSAGE_TOO_LARGE',
              `Live query not sent: its subscribe message is ${bytes} bytes, over the frame limit of ${limit} bytes (option maxMessageBytes). Shorten the SQL or its parameters.`,
            ),
          );
          return false;
        }
        connection.send(frame, id);
        return true;
      };

      /** The resume is complete: what it delivered counts for the checkpoint. */
      const settle = (): void => {
        resuming = false;
        advance(pendingCheckpoint);
      };

      const advance = (seq: bigint | undefined): void => {
        if (seq === undefined) return;
        if (resuming) {
          if (pendingCheckpoint === undefined || seq > pendingCheckpoint) pendingCheckpoint = seq;
          if (resumeBound !== undefined && seq > resumeBound) settle();
        } else if (checkpoint === undefined || seq > checkpoint) checkpoint = seq;
      };

      /** The replay filter: while resumed with `from`, versions at or below it were applied already. */
      const replayed = (seq: bigint | undefined): boolean => from !== undefined && seq !== undefined && seq <= from;

      const entry: Entry = {
        fail,

        lost(mode) {
          const hadAck = state !== SUB_PENDING || kind !== 'initial';
          state = SUB_PENDING;
          if (hadAck) {
            kind = spec.load && (mode === 'reload' || checkpoint === undefined) ? 'reload' : 'resume';
            sink.onReconnecting();
          }
          subscribe();
        },

        receive(message) {
          switch (message.type) {
            case 'subscription_ack':
              // With pages to follow, the ack only repeats page 0's batch_control (K§6.2): its
              // last_seq_id counts once page 0 is applied, else a socket lost in between would
              // resume past rows never seen.
              if (!expectPages) advance(message.batch.lastSeqId);
              // A resume is complete once everything up to the server's snapshot bound arrived: its pages,
              // then the deletes of rows that left the result (SeqIds at or below the bound, sent after
              // the last page). The first SeqId above the bound (a held-back or live change) proves that.
              if (resuming) resumeBound = message.batch.snapshotEndSeq;
              state = expectPages ? SUB_LOADING : SUB_READY;
              {
                const columns = userColumns(message.schema);
                if (columns.length > 0) lastColumns = columns;
                keyColumns = keyColumnsFor(spec.key, columns);
                sink.onColumns(columns, kind, message.totalRows);
              }
              if (state === SUB_READY) sink.onReady();
              return;
            case 'initial_data_batch': {
              if (state !== SUB_LOADING) return;
              const { rows, batch } = message;
              // Each row's `_seq` parsed once: for the checkpoint, the replay filter and a changes-only feed's cursors.
              const fresh: Record<string, unknown>[] = [];
              const cursors: (bigint | undefined)[] = [];
              for (const row of rows) {
                const seq = seqOf(row);
                advance(seq);
                if (!replayed(seq)) {
                  fresh.push(userRow(row));
                  cursors.push(seq);
                }
              }
              const last = !batch.hasMore;
              advance(batch.lastSeqId);
              if (last && resuming && resumeBound === undefined) settle();
              if (last) state = SUB_READY;
              else connection.send(encodeClientCommand({ type: 'next_batch', subscription_id: id, last_seq_id: batch.lastSeqId }));
              // A changes-only feed's pages (resumes) carry each row's cursor.
              sink.onPage(fresh, last, kind, spec.load ? undefined : cursors);
              return;
            }
            case 'change': {
              const { changeType, oldValues } = message;
              // One row per change (K§6.4): a delete's tombstone, else the new version (the codec lets no
              // change without it through). Its `_seq` is the change's cursor, and all the checkpoint
              // needs (an update's old_values hold the older version's).
              const row = (changeType === 'delete' ? oldValues : message.rows)[0]!;
              const seq = seqOf(row);
              advance(seq);
              if (replayed(seq)) return;
              sink.onChange(rowChange(changeType, row, oldValues[0], seq, keyColumns, lastColumns));
              return;
            }
            case 'error':
              fail(
                subscriptionError(
                  // One code for a missing table everywhere: KalamDB says NOT_FOUND over the socket and TABLE_NOT_FOUND over HTTP.
                  message.code === 'NOT_FOUND' && /table not found/i.test(message.message) ? 'TABLE_NOT_FOUND' : message.code,
                  `The server rejected the live query (${message.code}): ${message.message}`,
                ),
              );
          }
        },
      };
      // Nothing would ever be sent: end it like the subscriptions that were running (SPEC §1.3). It
      // never joins `entries`, so its handle has no cursor and nothing to close.
      const refused = rejectReason !== undefined ? subscriptionError('UNSUPPORTED_LIVE_SQL', `Live query not sent: ${rejectReason}.`) : connection.fatalError;
      if (refused !== undefined) fail(refused);
      else {
        entries.set(id, entry);
        if (subscribe()) connection.start();
      }
      return {
        id,
        cursor: () => checkpoint,
        close: () => {
          if (entries.get(id) !== entry) return;
          entries.delete(id);
          // A subscribe still queued never reached the server: dropping it is enough. Offline there is
          // nothing to undo either (the server forgets subscriptions with the socket).
          if (!connection.unqueue(id) && connection.isOpen) connection.send(encodeClientCommand({ type: 'unsubscribe', subscription_id: id }));
        },
      };
    },

    stop,

    socketClosed() {
      const fatal = connection.fatalError;
      if (fatal !== undefined) return stop(fatal);
      const mode = resumeMode === 'auto' ? (manager.resumesDeletes ? 'seq' : 'reload') : resumeMode;
      for (const entry of entries.values()) entry.lost(mode);
    },

    onMessage(message) {
      // Undecodable frames and errors with synthetic ids never get here: the session treats them as a broken stream (SPEC §1.5).
      // Unknown or released ids (spec §7.6) are ignored.
      if ('subscriptionId' in message) entries.get(message.subscriptionId)?.receive(message);
    },
  };
  return manager;
}
