/**
 * `send()` with the caller's delivery policy (types.ts `DeliveryPolicy`): `ack` waits for the join
 * and the server's ack within one timeout, `queue` holds messages while not joined (bounded count
 * and age), `drop` sends only when joined. Every failure is a ChannelError with a code; nothing
 * falls back to HTTP. Each pending send holds the channel (a send joins an idle channel).
 */
import type { Timers } from '../connection/timers.js';
import { ChannelError, UsageError } from '../errors.js';
import type { ChannelPush, PushDone } from './ChannelPort.js';
import type { DeliveryPolicy, SendOptions, SendReceipt } from './types.js';

export interface SenderOptions {
  readonly topic: string;
  readonly timers: Timers;
  /** Whether the join asked the server to acknowledge broadcasts. */
  readonly acked: boolean;
  readonly timeoutMs: number;
  readonly queueMax: number;
  readonly queueTtlMs: number;
  push(message: ChannelPush, ack: boolean, done: PushDone): () => void;
  hold(): void;
  release(): void;
}

interface Pending {
  readonly message: ChannelPush;
  readonly policy: DeliveryPolicy;
  readonly timeoutMs: number;
  timer: unknown;
  cancel: (() => void) | undefined;
  readonly resolve: (receipt: SendReceipt) => void;
  readonly reject: (error: ChannelError) => void;
}

const SENT: SendReceipt = Object.freeze({ delivered: 'sent' });
const ACKED: SendReceipt = Object.freeze({ delivered: 'acked' });
const DROPPED: SendReceipt = Object.freeze({ delivered: 'dropped' });

export class BroadcastSender {
  private joined = false;
  /** Not yet pushed (ack: waiting for the join; queue: queued), in call order. */
  private waiting: Pending[] = [];
  /** Pushed, waiting for the ack. */
  private readonly inFlight = new Set<Pending>();

  constructor(private readonly options: SenderOptions) {}

  send(event: string, payload: unknown, sendOptions: SendOptions = {}): Promise<SendReceipt> {
    const { topic } = this.options;
    const policy = sendOptions.delivery ?? 'ack';
    const timeoutMs = sendOptions.timeoutMs ?? this.options.timeoutMs;
    if (typeof event !== 'string' || event === '') throw new UsageError(`send() on "${topic}" needs a non-empty event name.`, { code: 'INVALID_ARGUMENT' });
    if (policy !== 'ack' && policy !== 'queue' && policy !== 'drop') {
      throw new UsageError(`send() delivery must be 'ack', 'queue' or 'drop'; got ${JSON.stringify(policy)}.`, { code: 'INVALID_OPTION' });
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`send() timeoutMs must be a positive number; got ${String(timeoutMs)}.`, { code: 'INVALID_OPTION' });
    if (policy === 'ack' && !this.options.acked) {
      throw new UsageError(`send(..., { delivery: 'ack' }) needs acknowledged broadcasts: open "${topic}" with { broadcast: { ack: true } } (the default), or choose 'queue' or 'drop'.`, {
        code: 'INVALID_OPTION',
      });
    }
    if (policy === 'drop' && !this.joined) {
      // Dropped, but the channel starts joining (and stays for its grace period) so later sends get through.
      this.options.hold();
      this.options.release();
      return Promise.resolve(DROPPED);
    }
    return new Promise<SendReceipt>((resolve, reject) => {
      const p: Pending = { message: { kind: 'broadcast', event, payload }, policy, timeoutMs, timer: undefined, cancel: undefined, resolve, reject };
      this.options.hold();
      if (this.joined) return this.push(p);
      if (policy === 'queue') {
        if (this.waiting.length >= this.options.queueMax) {
          const oldest = this.waiting.find((w) => w.policy === 'queue');
          if (oldest) this.fail(oldest, this.error('QUEUE_FULL', `its send queue is full (${this.options.queueMax} messages); the oldest was dropped`));
        }
        p.timer = this.options.timers.setTimeout(() => this.fail(p, this.error('NOT_JOINED', `it was not joined within the queue TTL (${this.options.queueTtlMs} ms)`)), this.options.queueTtlMs);
      } else {
        p.timer = this.options.timers.setTimeout(() => this.fail(p, this.error('NOT_JOINED', `it was not joined within ${timeoutMs} ms`)), timeoutMs);
      }
      this.waiting.push(p);
    });
  }

  onJoined(): void {
    this.joined = true;
    for (const p of this.waiting.splice(0)) {
      this.options.timers.clearTimeout(p.timer);
      this.push(p);
    }
  }

  /** Membership lost: pushes without their ack may or may not have arrived; they fail `NOT_JOINED`. */
  onDown(): void {
    this.joined = false;
    for (const p of [...this.inFlight]) this.fail(p, this.error('NOT_JOINED', 'it lost its membership before the server acknowledged the message'));
  }

  /** The channel left or was closed by the server: everything pending fails with `error`. */
  onLeft(error: ChannelError): void {
    this.onDown();
    for (const p of [...this.waiting]) this.fail(p, error);
  }

  private push(p: Pending): void {
    const ack = this.options.acked && p.policy !== 'drop';
    this.inFlight.add(p);
    p.timer = ack ? this.options.timers.setTimeout(() => this.fail(p, this.error('TIMED_OUT', `the server did not acknowledge within ${p.timeoutMs} ms`)), p.timeoutMs) : undefined;
    p.cancel = this.options.push(p.message, ack, (error) => {
      if (!this.inFlight.has(p)) return;
      if (error) this.finish(p, () => p.reject(error));
      else this.finish(p, () => p.resolve(ack ? ACKED : SENT));
    });
  }

  private fail(p: Pending, error: ChannelError): void {
    p.cancel?.();
    this.finish(p, () => p.reject(error));
  }

  private finish(p: Pending, settle: () => void): void {
    const wasWaiting = this.waiting.indexOf(p);
    if (wasWaiting >= 0) this.waiting.splice(wasWaiting, 1);
    else if (!this.inFlight.delete(p)) return;
    this.options.timers.clearTimeout(p.timer);
    settle();
    this.options.release();
  }

  private error(code: 'NOT_JOINED' | 'TIMED_OUT' | 'QUEUE_FULL', why: string): ChannelError {
    const { topic } = this.options;
    return new ChannelError(`A message to "${topic}" was not delivered: ${why}.`, { code, topic });
  }
}
