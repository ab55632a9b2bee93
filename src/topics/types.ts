/**
 * Topic consumers (docs/SPEC.md §9): the neutral types. The core (consumeTopic.ts) owns this seam;
 * a protocol with topics supplies `TopicCalls` (KalamDB: `POST /v1/api/topics/consume` and `/ack`).
 */
import type { Observable } from 'rxjs';

/** Where a group without a committed offset starts: the oldest record, after the newest, or an offset. */
export type TopicStart = 'earliest' | 'latest' | { readonly offset: number };

export interface TopicPoll {
  readonly topic: string;
  readonly group: string;
  readonly partition: number;
  /** Used by the server only while the group has no committed offset. */
  readonly start: TopicStart;
  readonly limit: number;
  /** Long-poll time the server may wait for a first record (servers without long polls answer at once). */
  readonly waitSeconds: number;
}

/** One record as the protocol delivered it, payload decoded. */
export interface TopicMessage {
  readonly partition: number;
  readonly offset: number;
  /** The row's key columns as JSON text, when the table has a primary key. */
  readonly key: string | undefined;
  readonly timestampMs: number;
  /** Owner of a USER-table row. */
  readonly user: string | undefined;
  readonly op: 'insert' | 'update' | 'delete';
  readonly payload: unknown;
}

export interface TopicBatch {
  /** In offset order. */
  readonly messages: readonly TopicMessage[];
  readonly nextOffset: number;
}

export interface TopicAck {
  readonly topic: string;
  readonly group: string;
  readonly partition: number;
  /** Inclusive. */
  readonly upto: number;
}

/** What a protocol with topics supplies. Network trouble rejects with ConnectionError (retried); anything else ends the consumer. */
export interface TopicCalls {
  poll(request: TopicPoll, signal: AbortSignal): Promise<TopicBatch>;
  /** Commits through `upto` for the group; resolves to the committed offset. */
  ack(request: TopicAck, signal: AbortSignal): Promise<number>;
}

export interface TopicConsumeOptions {
  /** Consumer group: members share its committed offsets (one committed offset per partition). */
  readonly group: string;
  /** Where a group with no committed offset starts (default 'latest'); ignored once it has committed. */
  readonly from?: 'earliest' | 'latest' | number;
  /** Records per poll, 1…1000 (default 100). */
  readonly batchSize?: number;
  /**
   * false (default): the next poll waits until every record of the batch was `ack()`ed, so the
   * consumer is never further ahead than it has processed. true: a record counts as processed when
   * `next()` returned (synchronous handlers only).
   */
  readonly autoAck?: boolean;
  /** Partition to read (default 0). */
  readonly partition?: number;
  /** Long-poll time per request, 0…30 s (default 10; KalamDB answers at once and ignores it). */
  readonly waitSeconds?: number;
  /** Pause after an empty batch that came back sooner than this (default 1000 ms). */
  readonly idleDelayMs?: number;
  /** Retries of a failed poll or ack on network trouble before the observable errors (default 3; backoff 500 ms doubling). */
  readonly maxRetries?: number;
}

/** One topic record. `ack()` commits it (and, once contiguous, every earlier record of its batch) for the group. */
export interface TopicRecord<T = Record<string, unknown>> extends Omit<TopicMessage, 'payload'> {
  readonly topic: string;
  readonly group: string;
  /** The row (KalamDB: §1.4 cells, `_seq` and `_table`; `key` payload mode: the key columns). */
  readonly payload: T;
  /** Resolves once the group's committed offset covers this record; rejects when the consumer ended first. */
  ack(): Promise<void>;
}

export interface TopicHandle {
  readonly name: string;
  /**
   * Records of the topic as a cold Observable: each subscription is one consumer polling in a loop,
   * never faster than it acknowledges. Unsubscribing aborts the request in flight; records not yet
   * acknowledged are delivered again to the group's next consumer (at-least-once).
   */
  consume<T = Record<string, unknown>>(options: TopicConsumeOptions): Observable<TopicRecord<T>>;
}
