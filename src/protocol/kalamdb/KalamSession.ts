/**
 * One KalamDB `/v1/ws` socket (spec §5, §8; docs/SPEC.md §1): the `authenticate` handshake, the
 * `{"type":"ping"}` heartbeat, gzip binary frames (gunzipped here, possibly asynchronously: the
 * connection holds later frames meanwhile), the fault policy (inboundFault.ts) and routing to the
 * subscriptions. Everything that outlives the socket is in SubscriptionManager.
 */
import { AuthError } from '../../errors.js';
import type { Frame, Link, Session } from '../driver.js';
import { decodeServerMessage, encodeClientCommand } from './codec.js';
import type { BinaryDecoder } from './gunzip.js';
import { inboundFault, MESSAGE_TOO_LARGE, RATE_LIMIT_EXCEEDED, undecodable } from './inboundFault.js';
import type { SubscriptionManager } from './SubscriptionManager.js';

const PING = encodeClientCommand({ type: 'ping' });

export interface KalamSessionOptions {
  readonly compression: 'gzip' | 'none';
  /** The binary decoder when loaded, else a promise of it. */
  readonly decoder: () => BinaryDecoder | Promise<BinaryDecoder>;
}

export class KalamSession implements Session {
  private authenticated = false;
  private ended = false;

  constructor(
    private readonly link: Link,
    private readonly manager: SubscriptionManager,
    private readonly options: KalamSessionOptions,
  ) {}

  start(token: string): void {
    this.link.sendFirst(encodeClientCommand({ type: 'authenticate', token, compression: this.options.compression }));
  }

  receive(frame: Frame): void | Promise<void> {
    if (typeof frame === 'string') {
      this.handle(frame);
      return undefined;
    }
    // A frame that cannot be decoded cannot be skipped: resume from the checkpoint instead (SPEC §1.5).
    const fail = (error: unknown): void => {
      if (!this.ended) this.link.broken(undecodable('binary frame could not be decoded', error));
    };
    try {
      const decoder = this.options.decoder();
      if (typeof decoder === 'function') {
        const text = decoder(frame);
        if (typeof text === 'string') {
          this.handle(text);
          return undefined;
        }
        return text.then((t) => this.handle(t), fail);
      }
      return decoder.then((d) => d(frame)).then((t) => this.handle(t), fail);
    } catch (error) {
      fail(error);
      return undefined;
    }
  }

  heartbeat(): Frame {
    return PING;
  }

  closed(): void {
    if (this.ended) return;
    this.ended = true;
    this.manager.socketClosed();
  }

  private handle(text: string): void {
    if (this.ended) return; // decoded after the socket was dropped: the resume covers it
    const message = decodeServerMessage(text);
    const fault = inboundFault(message, text);
    if (fault === 'ignore') return;
    if (fault) {
      if (fault.code === RATE_LIMIT_EXCEEDED) this.link.slowDown();
      if (fault.code === MESSAGE_TOO_LARGE) this.link.frameTooLarge();
      this.link.broken(fault);
      return;
    }
    if (!this.authenticated) {
      if (message.type === 'auth_success') {
        this.authenticated = true;
        this.manager.resumesDeletes = message.resumeDeletes; // before the queue flushes
        this.link.opened();
        return;
      }
      if (message.type === 'auth_error') {
        this.link.rejected(
          new AuthError('The server rejected the credentials for the live connection (auth_error); check the auth option.', { code: 'AUTH_FAILED' }),
        );
        return;
      }
    }
    if (message.type === 'auth_success' || message.type === 'auth_error') return;
    this.manager.onMessage(message);
  }
}
