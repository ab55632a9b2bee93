/**
 * One liveRows()/changes() feed over postgres_changes, on a topic of its own. Race-free:
 *
 *   join → reply ids checked per binding → wait for "Subscribed to PostgreSQL" (CDC is live only
 *   then, §7 #4) → load the rows over /rest/v1 while buffering every change → apply the buffer to
 *   the loaded rows in arrival (commit) order → hand over ONE batch → apply changes as they come.
 *
 * Every later loss of continuity converges the same way: a reconnect (rejoin + reload; the rows are
 * replaced at the end of the load, so unchanged rows keep identity downstream), a CDC error the
 * server recovers from, an incomplete record (`errors`, e.g. a value over the payload limit) or an
 * undecodable change. Changes are full rows keyed by the key columns, so a change seen both in the
 * load and in the buffer is applied idempotently: nothing is lost or duplicated. Rows updated out
 * of a filter: see feedSpec.ts.
 */
import type { Timers } from '../../connection/timers.js';
import { isLivebindError, SubscriptionError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import { rejoinDelay } from '../../channel/rejoinDelay.js';
import { changeFor, keyText } from './feedOps.js';
import type { PostgresFeedSpec } from './feedSpec.js';
import { feedBindings } from './feedSpec.js';
import { buildJoinPayload, DEFAULT_JOIN_CONFIG } from './joinPayload.js';
import { loadRows } from './loadRows.js';
import type { RestContext } from './loadRows.js';
import type { PhoenixHub, TopicMember } from './PhoenixHub.js';
import type { PhoenixMessage } from './phoenixMessage.js';
import { PHX_CLOSE, PHX_ERROR, PHX_JOIN, PHX_LEAVE, POSTGRES_CHANGES, SYSTEM, isRecord } from './phoenixMessage.js';
import type { PostgresBinding } from './postgresBinding.js';
import { matchBindings } from './postgresBinding.js';
import type { PostgresChange } from './postgresChange.js';
import { decodePostgresChange } from './postgresChange.js';
import type { Reply } from './PhoenixSession.js';
import type { Column, FeedHandle, LoadKind, Row, RowSink } from './seam.js';
import { joinError } from './serverErrors.js';

export interface FeedDeps {
  readonly timers: Timers;
  readonly rest: RestContext;
  /** No join reply within this → rejoin (10 000). */
  readonly joinTimeoutMs: number;
  /** No "Subscribed to PostgreSQL" within this after the join → rejoin (20 000). */
  readonly readyTimeoutMs: number;
  readonly rejoinDelaysMs: readonly number[];
}

type Phase = 'idle' | 'joining' | 'confirming' | 'loading' | 'live' | 'closed' | 'failed';

const PARAMS_ERROR = /Error parsing|No subscription params|malformed/i;

export class PostgresFeed implements TopicMember, FeedHandle {
  private phase: Phase = 'idle';
  private currentJoinRef: string | undefined;
  private isJoined = false;
  private buffer: PostgresChange[] = [];
  /** Keys the feed holds (liveRows only). */
  private held: Set<string> | undefined;
  private readonly bindings: PostgresBinding[];
  private readonly columnTypes = new Map<string, string>();
  private failures = 0;
  private loadedOnce = false;
  private timer: unknown;
  private abort: AbortController | undefined;

  constructor(
    readonly topic: string,
    private readonly spec: PostgresFeedSpec,
    private readonly sink: RowSink,
    private readonly hub: PhoenixHub,
    private readonly deps: FeedDeps,
  ) {
    this.bindings = feedBindings(spec);
  }

  get joinRef(): string | undefined {
    return this.currentJoinRef;
  }

  get joined(): boolean {
    return this.isJoined;
  }

  start(): void {
    this.hub.register(this);
    if (this.hub.session !== undefined) this.join(false);
  }

  close(): void {
    if (this.phase === 'closed') return;
    const joinRef = this.currentJoinRef;
    this.stopWork();
    this.phase = 'closed';
    this.currentJoinRef = undefined;
    this.isJoined = false;
    this.hub.unregister(this);
    if (joinRef !== undefined) this.hub.session?.push({ joinRef, ref: this.hub.refs.next(), topic: this.topic, event: PHX_LEAVE, payload: {} });
  }

  // ---- TopicMember -------------------------------------------------------------------------

  socketOpened(): void {
    if (this.phase === 'closed' || this.phase === 'failed') return;
    this.failures = 0;
    this.join(false);
  }

  socketClosed(_error: LivebindError): void {
    if (this.phase === 'closed' || this.phase === 'failed') return;
    this.stopWork();
    this.isJoined = false;
    this.currentJoinRef = undefined;
    if (this.phase !== 'idle') this.sink.onReconnecting();
    this.phase = 'idle';
  }

  stopped(error: LivebindError): void {
    if (this.phase !== 'closed' && this.phase !== 'failed') this.fail(error);
  }

  receive(message: PhoenixMessage): void {
    if (this.currentJoinRef === undefined) return;
    switch (message.event) {
      case POSTGRES_CHANGES:
        return this.change(message.payload);
      case SYSTEM:
        return this.system(message.payload);
      case PHX_CLOSE:
      case PHX_ERROR: {
        if (message.ref !== null && message.ref !== this.currentJoinRef) return;
        this.isJoined = false;
        const reason = isRecord(message.payload) && typeof message.payload['reason'] === 'string' ? message.payload['reason'] : message.event;
        return this.retryLater(new SubscriptionError(`Supabase Realtime ended the feed on ${this.topic} (${reason}); rejoining.`, { code: 'CHANNEL_CLOSED', subscriptionId: this.topic }), false);
      }
      default:
        return;
    }
  }

  // ---- join --------------------------------------------------------------------------------

  private join(refreshToken: boolean): void {
    this.stopWork();
    const ref = this.hub.refs.next();
    this.currentJoinRef = ref;
    this.isJoined = false;
    this.phase = 'joining';
    this.buffer = [];
    void this.hub.joinToken(refreshToken).then((token) => {
      const session = this.hub.session;
      if (this.currentJoinRef !== ref || session === undefined) return;
      if (isLivebindError(token)) return this.retryLater(token, true);
      const payload = buildJoinPayload({ ...DEFAULT_JOIN_CONFIG, postgresChanges: this.bindings }, token);
      const failed = session.push({ joinRef: ref, ref, topic: this.topic, event: PHX_JOIN, payload }, (reply) => this.joinReplied(ref, reply), `join:${this.topic}`);
      if (failed) return this.fail(failed);
      this.arm(this.deps.joinTimeoutMs, () => this.retryLater(new SubscriptionError(`Joining ${this.topic} got no reply within ${String(this.deps.joinTimeoutMs)} ms; rejoining.`, { code: 'JOIN_TIMED_OUT', subscriptionId: this.topic }), false));
    });
  }

  private joinReplied(ref: string, reply: Reply): void {
    if (ref !== this.currentJoinRef || this.phase !== 'joining') return;
    this.disarm();
    if (reply.status !== 'ok') {
      const error = joinError(this.topic, reply.response);
      return this.retryLater(error, error.code === 'TOKEN_EXPIRED');
    }
    const response = isRecord(reply.response) ? reply.response : {};
    const ids = matchBindings(this.bindings, response['postgres_changes'], this.topic);
    if (isLivebindError(ids)) return this.fail(ids);
    this.isJoined = true;
    this.phase = 'confirming';
    this.arm(this.deps.readyTimeoutMs, () =>
      this.retryLater(new SubscriptionError(`${this.topic} joined but Supabase Realtime did not confirm "Subscribed to PostgreSQL" within ${String(this.deps.readyTimeoutMs)} ms; rejoining.`, { code: 'NOT_READY', subscriptionId: this.topic }), false),
    );
  }

  private system(payload: unknown): void {
    if (!isRecord(payload) || payload['extension'] !== 'postgres_changes') return;
    if (payload['status'] === 'ok') {
      if (this.phase === 'confirming') {
        this.disarm();
        this.startLoad();
      }
      return;
    }
    const message = typeof payload['message'] === 'string' ? payload['message'] : JSON.stringify(payload['message']);
    const error = new SubscriptionError(`Supabase Realtime could not stream changes of ${this.spec.schema}.${this.spec.table}: ${message}`, { code: 'CDC_ERROR', subscriptionId: this.topic });
    if (PARAMS_ERROR.test(message)) return this.fail(error);
    // The server retries on its own; changes may be lost meanwhile, so converge again once it confirms.
    if (this.phase === 'loading' || this.phase === 'live') {
      this.abort?.abort();
      this.abort = undefined;
      this.sink.onReconnecting();
    }
    if (this.phase === 'joining' || this.phase === 'idle') return;
    this.phase = 'confirming';
    this.buffer = [];
  }

  // ---- load and changes --------------------------------------------------------------------

  private startLoad(): void {
    if (!this.spec.load) {
      this.phase = 'live';
      this.failures = 0;
      this.sink.onReady();
      return;
    }
    this.phase = 'loading';
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const joinRef = this.currentJoinRef;
    void loadRows(this.spec, this.deps.rest, abort.signal).then((rows) => {
      if (abort.signal.aborted || this.currentJoinRef !== joinRef || this.phase !== 'loading') return;
      this.abort = undefined;
      if (isLivebindError(rows)) return this.retryLater(rows, false);
      this.finishLoad(rows);
    });
  }

  private finishLoad(loaded: readonly Row[]): void {
    const rows = new Map<string, Row>();
    for (const row of loaded) {
      const k = keyText(row, this.spec.key);
      if (k === undefined) return this.fail(new SubscriptionError(`A row of ${this.spec.table} has no value for the key (${this.spec.key.join(', ')}); pass \`key\` naming its primary key columns.`, { code: 'MISSING_KEY', subscriptionId: this.topic }));
      rows.set(k, row);
    }
    for (const change of this.buffer) {
      const op = changeFor(change, this.spec, (k) => rows.has(k));
      const k = op === undefined ? undefined : keyText(op.row, this.spec.key);
      if (op === undefined || k === undefined) continue;
      if (op.type === 'delete') rows.delete(k);
      else rows.set(k, op.type === 'update' ? { ...rows.get(k), ...op.row } : op.row);
    }
    this.buffer = [];
    this.held = new Set(rows.keys());
    const kind: LoadKind = this.loadedOnce ? 'reload' : 'initial';
    const result = [...rows.values()];
    this.sink.onColumns(this.columns(result), kind);
    this.sink.onPage(result, true, kind);
    this.loadedOnce = true;
    this.phase = 'live';
    this.failures = 0;
  }

  private change(payload: unknown): void {
    if (this.phase !== 'confirming' && this.phase !== 'loading' && this.phase !== 'live') return;
    const change = decodePostgresChange(payload);
    if (isLivebindError(change) || (change.errors !== null && change.type !== 'DELETE')) {
      // A change we cannot apply exactly: read the rows again (buffering meanwhile).
      if (this.phase === 'live' && this.spec.load) {
        this.sink.onReconnecting();
        this.startLoad();
      }
      return;
    }
    if (change.table !== this.spec.table || change.schema !== this.spec.schema) return;
    for (const c of change.columns) this.columnTypes.set(c.name, c.type);
    if (this.phase !== 'live') {
      this.buffer.push(change);
      return;
    }
    const held = this.held;
    const op = changeFor(change, this.spec, this.spec.load && held ? (k) => held.has(k) : undefined);
    if (op === undefined) return;
    if (held) {
      const k = keyText(op.row, this.spec.key);
      if (k !== undefined) {
        if (op.type === 'delete') held.delete(k);
        else held.add(k);
      }
    }
    this.sink.onChange(op);
  }

  private columns(rows: readonly Row[]): Column[] {
    const names = this.spec.select ?? (rows[0] === undefined ? [...this.columnTypes.keys()] : Object.keys(rows[0]));
    const key = new Set(this.spec.key);
    return names.map((name) => {
      const type = this.columnTypes.get(name);
      const column: { name: string; pk?: boolean; type?: string } = { name };
      if (key.has(name)) column.pk = true;
      if (type !== undefined) column.type = type;
      return column;
    });
  }

  // ---- failure paths -----------------------------------------------------------------------

  /** Lost continuity: report reconnecting and rejoin after the backoff for this many failures. */
  private retryLater(error: LivebindError, refreshToken: boolean): void {
    if (this.phase === 'closed' || this.phase === 'failed') return;
    this.stopWork();
    this.isJoined = false;
    if (this.phase !== 'idle') this.sink.onReconnecting();
    this.phase = 'idle';
    this.lastError = error;
    const delay = rejoinDelay(this.failures++, this.deps.rejoinDelaysMs);
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.hub.session !== undefined) this.join(refreshToken);
    }, delay);
  }

  /** The last error that made the feed rejoin (diagnostics and tests). */
  lastError: LivebindError | undefined;

  private fail(error: LivebindError): void {
    this.close();
    this.phase = 'failed';
    this.sink.onError(error);
  }

  private stopWork(): void {
    this.disarm();
    this.abort?.abort();
    this.abort = undefined;
  }

  private arm(ms: number, fn: () => void): void {
    this.disarm();
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
