/**
 * The topic consumer (docs/SPEC.md §9): a poll loop per subscription over a protocol's TopicCalls.
 *
 * Invariants:
 * - Backpressure: the next poll starts only after every record of the previous batch was acked and
 *   the group's offset committed through the batch's last record.
 * - At-least-once: an offset is committed only through the longest acked prefix of the batch, so
 *   a record acked out of order never covers an unacked earlier one.
 * - Unsubscribe aborts the request in flight, stops timers, and commits nothing more.
 */
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Timers } from '../connection/timers.js';
import { isLivebindError, UsageError } from '../errors.js';
import type { TopicBatch, TopicCalls, TopicConsumeOptions, TopicHandle, TopicRecord, TopicStart } from './types.js';

export const MAX_BATCH_SIZE = 1000;
const RETRY_BASE_MS = 500;

interface Settings {
  readonly group: string;
  readonly start: TopicStart;
  readonly limit: number;
  readonly autoAck: boolean;
  readonly partition: number;
  readonly waitSeconds: number;
  readonly idleDelayMs: number;
  readonly maxRetries: number;
}

/** A topic handle over `calls` (one per `client.topic(name)`). */
export function topicHandle(name: string, calls: TopicCalls, timers: Timers, now: () => number = Date.now): TopicHandle {
  if (typeof name !== 'string' || name === '') throw new UsageError('topic() needs the topic name, e.g. "app.new_messages".', { code: 'INVALID_OPTION' });
  return {
    name,
    consume: <T>(options: TopicConsumeOptions) => {
      const settings = settingsOf(options);
      return new Observable<TopicRecord<T>>((subscriber) => new Consumer<T>(name, calls, timers, now, settings, subscriber).stop);
    },
  };
}

function settingsOf(o: TopicConsumeOptions): Settings {
  const bad = (what: string): never => {
    throw new UsageError(`consume(): ${what}.`, { code: 'INVALID_OPTION' });
  };
  if (typeof o !== 'object' || o === null || typeof o.group !== 'string' || o.group === '') bad('`group` (the consumer group name) is required');
  const from = o.from ?? 'latest';
  if (from !== 'earliest' && from !== 'latest' && !(typeof from === 'number' && Number.isSafeInteger(from) && from >= 0)) {
    bad("`from` is 'earliest', 'latest' or an offset (a whole number ≥ 0)");
  }
  const int = (v: number | undefined, fallback: number, min: number, max: number, name: string): number => {
    if (v === undefined) return fallback;
    if (!Number.isSafeInteger(v) || v < min || v > max) bad(`\`${name}\` must be a whole number from ${min} to ${max}`);
    return v;
  };
  const waitSeconds = o.waitSeconds ?? 10;
  if (typeof waitSeconds !== 'number' || !(waitSeconds >= 0 && waitSeconds <= 30)) bad('`waitSeconds` must be from 0 to 30');
  return {
    group: o.group,
    start: typeof from === 'number' ? { offset: from } : from,
    limit: int(o.batchSize, 100, 1, MAX_BATCH_SIZE, 'batchSize'),
    autoAck: o.autoAck ?? false,
    partition: int(o.partition, 0, 0, 1_000_000, 'partition'),
    waitSeconds,
    idleDelayMs: int(o.idleDelayMs, 1000, 0, 600_000, 'idleDelayMs'),
    maxRetries: int(o.maxRetries, 3, 0, 100, 'maxRetries'),
  };
}

const isTransient = (e: unknown): boolean => isLivebindError(e) && e.kind === 'connection';

interface AckWaiter {
  readonly offset: number;
  resolve(): void;
  reject(e: unknown): void;
}

class Consumer<T> {
  private readonly abort = new AbortController();
  private closed = false;
  private timer: unknown;
  private wake: (() => void) | undefined;
  private position: TopicStart;
  // The batch in hand: its offsets, which are acked, the acked prefix and the committed offset.
  private offsets: readonly number[] = [];
  private acked = new Set<number>();
  private prefix = -1;
  private committed = -1;
  private committing = false;
  private waiters: AckWaiter[] = [];
  private batchDone: (() => void) | undefined;

  constructor(
    private readonly topic: string,
    private readonly calls: TopicCalls,
    private readonly timers: Timers,
    private readonly now: () => number,
    private readonly s: Settings,
    private readonly subscriber: Subscriber<TopicRecord<T>>,
  ) {
    this.position = s.start;
    this.loop().catch((e: unknown) => this.fail(e));
  }

  readonly stop = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.wake?.();
    this.batchDone?.();
    const closedError = new UsageError('The topic consumer ended before this record was committed; it will be delivered again.', { code: 'CONSUMER_CLOSED' });
    for (const w of this.waiters.splice(0)) w.reject(closedError);
  };

  private fail(e: unknown): void {
    if (this.closed) return;
    this.subscriber.error(e);
    this.stop();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.wake = resolve;
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  /** Runs `call`, retrying network trouble with backoff; undefined when the consumer ended. */
  private async retrying<R>(call: () => Promise<R>): Promise<R | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (this.closed) return undefined;
        if (!isTransient(e) || attempt >= this.s.maxRetries) {
          this.fail(e);
          return undefined;
        }
        await this.sleep(RETRY_BASE_MS * 2 ** attempt);
        if (this.closed) return undefined;
      }
    }
  }

  private async loop(): Promise<void> {
    const { group, partition, limit, waitSeconds } = this.s;
    while (!this.closed) {
      const started = this.now();
      const batch = await this.retrying(() => this.calls.poll({ topic: this.topic, group, partition, start: this.position, limit, waitSeconds }, this.abort.signal));
      if (batch === undefined || this.closed) return;
      if (batch.messages.length === 0) {
        const elapsed = this.now() - started;
        if (elapsed < this.s.idleDelayMs) await this.sleep(this.s.idleDelayMs - elapsed);
        continue;
      }
      // The server resumes at committed + 1 once the group has committed; until then, from here.
      this.position = { offset: batch.nextOffset };
      await this.deliver(batch);
    }
  }

  /** Emits the batch and resolves once it is acked and committed (or the consumer ended). */
  private deliver(batch: TopicBatch): Promise<void> {
    this.offsets = batch.messages.map((m) => m.offset);
    this.acked = new Set();
    this.prefix = -1;
    const done = new Promise<void>((resolve) => (this.batchDone = resolve));
    for (const m of batch.messages) {
      if (this.closed) break;
      this.subscriber.next({
        ...m,
        topic: this.topic,
        group: this.s.group,
        payload: m.payload as T,
        ack: () => this.ack(m.offset),
      });
    }
    if (this.s.autoAck) for (const m of batch.messages) if (!this.closed) void this.ack(m.offset).catch(() => undefined);
    return done;
  }

  private ack(offset: number): Promise<void> {
    if (offset <= this.committed) return Promise.resolve();
    if (this.closed) {
      return Promise.reject(new UsageError('The topic consumer ended before this record was acknowledged; it will be delivered again.', { code: 'CONSUMER_CLOSED' }));
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject });
      this.acked.add(offset);
      while (this.prefix + 1 < this.offsets.length && this.acked.has(this.offsets[this.prefix + 1]!)) this.prefix++;
      // After the current task, so acks given together (autoAck, a loop) go out as one request.
      queueMicrotask(() => void this.commit());
    });
  }

  /** Commits the acked prefix, one request at a time; later acks ride on the next request. */
  private async commit(): Promise<void> {
    if (this.committing) return;
    this.committing = true;
    try {
      while (!this.closed && this.prefix >= 0 && this.offsets[this.prefix]! > this.committed) {
        const upto = this.offsets[this.prefix]!;
        const result = await this.retrying(() => this.calls.ack({ topic: this.topic, group: this.s.group, partition: this.s.partition, upto }, this.abort.signal));
        if (result === undefined || this.closed) return;
        this.committed = Math.max(this.committed, upto);
        const covered = this.waiters.filter((w) => w.offset <= this.committed);
        this.waiters = this.waiters.filter((w) => w.offset > this.committed);
        for (const w of covered) w.resolve();
      }
      if (this.offsets.length > 0 && this.committed >= this.offsets[this.offsets.length - 1]!) {
        const done = this.batchDone;
        this.batchDone = undefined;
        done?.();
      }
    } finally {
      this.committing = false;
    }
  }
}
