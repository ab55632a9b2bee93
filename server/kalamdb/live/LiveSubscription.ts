/**
 * One registered subscription: initial load in pages (spec §7.1), changes held back during the load
 * (§7.2), resume deletes (§12.3.2), then direct delivery (§7.3). The connection registers it in the
 * SubscriptionIndex before `start()` so no change is missed.
 *
 * States: starting (bound not fixed yet) → loading (pages on next_batch) → finishing (resume deletes,
 * held-back flush) → live; any → closed.
 */
import type { AuthUser, ChangeRecord, Engine, WireRow } from '../../engine/types.js';
import type { SubscribeOptions } from '../ws/clientMessage.js';
import type { PreparedFrame } from '../ws/OrderedFrames.js';
import {
  changeMessage,
  initialDataBatchMessage,
  subscriptionAckMessage,
  type BatchControl,
} from '../ws/serverMessages.js';
import { changeBody, projectRow, rowEvents, rowKey, type RowEvent } from './changeShapes.js';
import { matches } from './filterExpr.js';
import type { SubscriptionPlan } from './planSubscription.js';

export const DEFAULT_BATCH_SIZE = 1000;
export const MAX_BATCH_SIZE = 10_000;

/** Where a subscription's messages go (its connection). */
export interface SubscriptionSink {
  send(json: string): void;
  /** Starts turning a message into its frame (gzip off the event loop for large ones) to send later with `sendPrepared`. */
  prepare(json: string): PreparedFrame;
  /** Sends a prepared message, in order with `send`. */
  sendPrepared(frame: PreparedFrame): void;
  /** A held-back buffer overflowed: the connection closes with 1013 (§12.3.3). */
  overflow(): void;
  /** A load read failed: report and drop the subscription. */
  failed(sub: LiveSubscription, error: unknown): void;
}

type State = 'starting' | 'loading' | 'finishing' | 'live' | 'closed';

/** One load page encoded for the wire: its frame (being prepared), its batch_control and the keys it carries. */
interface EncodedPage {
  readonly bc: BatchControl;
  readonly keys: readonly string[];
  readonly frame: PreparedFrame;
}

export class LiveSubscription {
  /** Owner partition for USER tables, null for SHARED tables: the routing key (§7.6). */
  readonly owner: string | null;
  private state: State = 'starting';
  private held: RowEvent[] = [];
  /** Keys of the rows sent in load pages, one array per page; looked up only for held-back changes (`finish`). */
  private sentKeys: (readonly string[])[] | undefined = [];
  private bound: bigint | undefined;
  private batchNum = 0;
  private lastRowsTail = false;
  /**
   * The page after the one just sent, read ahead and encoded (JSON, then gzip on the threadpool) so
   * `next_batch` is answered at once: the read and the encoding overlap the previous frame's trip and
   * the client's decoding. Used only when `next_batch` asks for the page after `after` (as page
   * `batchNum`); rows read early are as consistent as rows read on request: changes after the bound
   * are held back and applied after the last page either way. One page ahead at most.
   */
  private prefetched: { readonly after: bigint | undefined; readonly batchNum: number; readonly page: Promise<EncodedPage> } | undefined;
  private readonly batchSize: number;
  /** Columns read for the load: projected sources, then primary-key sources (engine adds `_seq`). */
  private readonly readColumns: readonly string[];
  /** The projection renames nothing: stored rows already have the output shape (projectRow would copy them unchanged). */
  private readonly identityProjection: boolean;

  constructor(
    readonly id: string,
    readonly plan: SubscriptionPlan,
    readonly user: AuthUser,
    private readonly options: SubscribeOptions | undefined,
    private readonly engine: Engine,
    private readonly sink: SubscriptionSink,
    private readonly heldBackLimit: number,
  ) {
    this.owner = plan.table.type === 'user' ? user.id : null;
    const size = options?.batchSize ?? 0;
    this.batchSize = size <= 0 ? DEFAULT_BATCH_SIZE : Math.min(size, MAX_BATCH_SIZE);
    this.readColumns = [...new Set([...plan.projection.map((p) => p.source), ...plan.primaryKey.map((p) => p.source)])];
    this.identityProjection = [...plan.projection, ...plan.primaryKey].every((p) => p.name === p.source);
  }

  get table(): string {
    return this.plan.table.qualifiedName;
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  close(): void {
    this.state = 'closed';
    this.prefetched = undefined;
    this.held = [];
    this.sentKeys = undefined;
  }

  /** Called synchronously for every change routed to this subscription. */
  onChange(change: ChangeRecord): void {
    if (this.state === 'closed') return;
    if (this.bound !== undefined && this.state !== 'live' && change.seq <= this.bound) return;
    let events = rowEvents(this.plan, change);
    if (events.length === 0) {
      if (this.state === 'live' || this.options?.from === undefined) return;
      // Resuming: a change after the bound that stays out of the filter still ends any copy the
      // client kept from before its checkpoint (the row may have moved out during the outage, and
      // the resume-delete queries only see rows and tombstones at or below the bound).
      events = resumeOutOfFilterDeletes(this.plan, change);
    }
    if (this.state === 'live') {
      for (const ev of events) this.sink.send(changeMessage(this.id, changeBody(this.plan, ev)));
      return;
    }
    this.held.push(...events);
    if (this.held.length > this.heldBackLimit) this.sink.overflow();
  }

  /** Without options: ack `ready`, live at once (registration and ack in the same tick). */
  startLiveOnly(): void {
    this.state = 'live';
    this.sentKeys = undefined;
    this.held = [];
    const bc: BatchControl = { batchNum: 0, hasMore: false, status: 'ready', lastSeqId: null, snapshotEndSeq: null };
    this.sink.send(subscriptionAckMessage(this.id, bc, this.plan.schema));
  }

  /** With options: fix the bound, send the ack and page 0 (§7.1). */
  async startLoad(): Promise<void> {
    // A fresh bound always: a client's older snapshot_end_seq would leave rows written between that
    // bound and this registration in neither the load nor the live stream (§8.3.5).
    const bound = await this.engine.snapshotBound();
    if (this.state === 'closed') return;
    this.bound = bound;
    this.held = this.held.filter((ev) => ev.seq > bound);
    const opts = this.options ?? {};
    let rows: WireRow[];
    let hasMore: boolean;
    if (opts.from === undefined && opts.lastRows !== undefined) {
      const n = opts.lastRows;
      const newest = n === 0 ? [] : await this.read({ newestFirst: true, limit: n + 1 });
      if (this.isClosed()) return;
      hasMore = newest.length > n;
      rows = newest.slice(0, n).reverse();
      this.lastRowsTail = hasMore;
    } else {
      ({ rows, hasMore } = await this.readPage(opts.from));
      if (this.isClosed()) return;
    }
    this.state = 'loading';
    const bc = this.sendPage(this.encodePage(rows, hasMore, this.batchNum));
    if (hasMore && !this.lastRowsTail) this.prefetch(bc.lastSeqId ?? undefined);
    if (!hasMore) await this.finish();
  }

  /** `next_batch` (§6.1): the next page, or nothing when not loading. */
  async nextBatch(lastSeqId: bigint | undefined): Promise<void> {
    if (this.state !== 'loading') return;
    this.batchNum++;
    if (this.lastRowsTail) {
      this.sendPage(this.encodePage([], false, this.batchNum));
      await this.finish();
      return;
    }
    const lower = this.lowerBound(lastSeqId);
    const ahead = this.prefetched;
    this.prefetched = undefined;
    const batchNum = this.batchNum;
    const page = await (ahead !== undefined && ahead.after === lower && ahead.batchNum === batchNum ? ahead.page : this.readEncoded(lower, batchNum));
    if (this.isClosed()) return;
    const bc = this.sendPage(page);
    if (bc.hasMore) this.prefetch(bc.lastSeqId ?? undefined);
    else await this.finish();
  }

  /** The exclusive lower `_seq` bound of the page after `lastSeqId` (never below a resume's `from`). */
  private lowerBound(lastSeqId: bigint | undefined): bigint | undefined {
    const from = this.options?.from;
    return lastSeqId === undefined ? from : from !== undefined && lastSeqId < from ? from : lastSeqId;
  }

  /** Start reading (and encoding) the page after `lastSeqId` (see `prefetched`). A failed read surfaces when that page is asked for. */
  private prefetch(lastSeqId: bigint | undefined): void {
    const after = this.lowerBound(lastSeqId);
    const batchNum = this.batchNum + 1;
    const page = this.readEncoded(after, batchNum);
    page.catch(() => undefined);
    this.prefetched = { after, batchNum, page };
  }

  private async readEncoded(afterSeq: bigint | undefined, batchNum: number): Promise<EncodedPage> {
    const { rows, hasMore } = await this.readPage(afterSeq);
    return this.encodePage(rows, hasMore, batchNum);
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async read(q: { afterSeq?: bigint | undefined; newestFirst?: boolean; limit: number; whereSql?: string | undefined }): Promise<WireRow[]> {
    const whereSql = q.whereSql ?? this.plan.whereSql;
    return this.engine.readRows(this.user, this.plan.table, {
      columns: this.readColumns,
      upToSeq: this.bound ?? 0n,
      limit: q.limit,
      ...(whereSql !== undefined ? { whereSql } : {}),
      ...(q.afterSeq !== undefined ? { afterSeq: q.afterSeq } : {}),
      ...(q.newestFirst ? { newestFirst: true } : {}),
    });
  }

  private async readPage(afterSeq: bigint | undefined): Promise<{ rows: WireRow[]; hasMore: boolean }> {
    const rows = await this.read({ afterSeq, limit: this.batchSize + 1 });
    const hasMore = rows.length > this.batchSize;
    return { rows: hasMore ? rows.slice(0, this.batchSize) : rows, hasMore };
  }

  /** Page `batchNum` as its `initial_data_batch` frame (prepared now, sent by `sendPage`). */
  private encodePage(rows: readonly WireRow[], hasMore: boolean, batchNum: number): EncodedPage {
    const last = rows[rows.length - 1];
    const lastSeq = last?.['_seq'];
    const bc: BatchControl = {
      batchNum,
      hasMore,
      status: hasMore ? (batchNum === 0 ? 'loading' : 'loading_batch') : 'ready',
      lastSeqId: typeof lastSeq === 'string' || typeof lastSeq === 'number' ? BigInt(lastSeq) : null,
      snapshotEndSeq: this.bound ?? null,
    };
    const keys = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) keys[i] = rowKey(this.plan, rows[i]!);
    // Read rows carry exactly the read columns then `_seq`, which is projectRow's output when nothing is renamed.
    const out = this.identityProjection ? rows : rows.map((r) => projectRow(this.plan, r));
    return { bc, keys, frame: this.sink.prepare(initialDataBatchMessage(this.id, out, bc)) };
  }

  /** Sends an encoded page (page 0 is preceded by the ack with the same batch_control); its keys count as sent. */
  private sendPage(page: EncodedPage): BatchControl {
    this.sentKeys?.push(page.keys);
    if (page.bc.batchNum === 0) this.sink.send(subscriptionAckMessage(this.id, page.bc, this.plan.schema));
    this.sink.sendPrepared(page.frame);
    return page.bc;
  }

  /** After the last page: resume deletes (§12.3.2), then the held-back changes in `_seq` order (§7.2). */
  private async finish(): Promise<void> {
    if (this.isClosed()) return;
    this.state = 'finishing';
    const from = this.options?.from;
    if (from !== undefined) {
      await this.sendResumeDeletes(from);
      if (this.isClosed()) return;
    }
    const held = this.held.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const known = this.sentAmong(held);
    this.held = [];
    for (const ev of held) {
      if (ev.kind === 'delete') {
        if (from === undefined && !known.has(ev.key)) continue;
        known.delete(ev.key);
        this.sink.send(changeMessage(this.id, changeBody(this.plan, ev)));
      } else {
        // A key the client never received (updated after the bound, before its page) gets the full row.
        this.sink.send(changeMessage(this.id, changeBody(this.plan, ev, !known.has(ev.key))));
        known.add(ev.key);
      }
      if (this.isClosed()) return;
    }
    this.sentKeys = undefined;
    this.state = 'live';
  }

  /** The keys of `held` that a load page carried (one pass over the sent keys, only when something was held back). */
  private sentAmong(held: readonly RowEvent[]): Set<string> {
    const known = new Set<string>();
    if (held.length === 0 || this.sentKeys === undefined) return known;
    const wanted = new Set(held.map((ev) => ev.key));
    for (const keys of this.sentKeys) for (const key of keys) if (wanted.has(key)) known.add(key);
    return known;
  }

  /**
   * Resume (`from`): keys deleted in (from, bound] whose last live values matched the filter, and rows
   * changed in (from, bound] that no longer match it, get a `delete`, so a resumed client converges.
   */
  private async sendResumeDeletes(from: bigint): Promise<void> {
    const bound = this.bound ?? 0n;
    const tombstones = await this.engine.tombstones(this.user, this.plan.table, from, bound);
    if (this.isClosed()) return;
    for (const t of tombstones) {
      // Unchanged since `from`: the client holds the row exactly when its last values matched.
      // Changed after `from` (e.g. moved out, then deleted): it may hold an older matching version.
      const changedSinceFrom = t.lastLiveSeq !== undefined && t.lastLiveSeq > from;
      if (!changedSinceFrom && !matches(this.plan.filter, t.oldRow)) continue;
      const key = rowKey(this.plan, t.oldRow);
      this.sink.send(changeMessage(this.id, changeBody(this.plan, { kind: 'delete', key, seq: t.seq, old: t.oldRow, moved: false })));
    }
    if (this.plan.whereSql === undefined) return;
    const whereSql = `(NOT COALESCE(${this.plan.whereSql}, FALSE))`;
    let after: bigint = from;
    for (;;) {
      const rows = await this.read({ afterSeq: after, limit: DEFAULT_BATCH_SIZE, whereSql });
      if (this.isClosed()) return;
      for (const row of rows) {
        const seq = BigInt(String(row['_seq']));
        after = seq;
        const key = rowKey(this.plan, row);
        this.sink.send(changeMessage(this.id, changeBody(this.plan, { kind: 'delete', key, seq, old: row, moved: true })));
      }
      if (rows.length < DEFAULT_BATCH_SIZE) return;
    }
  }
}

/** Deletes for the key(s) of a change that produced no event (its old and new versions are out of the filter). */
function resumeOutOfFilterDeletes(plan: SubscriptionPlan, change: ChangeRecord): RowEvent[] {
  const out: RowEvent[] = [];
  const seen = new Set<string>();
  for (const row of [change.newRow, change.oldRow]) {
    if (row === undefined) continue;
    const key = rowKey(plan, row);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: 'delete', key, seq: change.seq, old: row, moved: change.op !== 'delete' });
  }
  return out;
}
