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
import { inboundFault, undecodable } from './inboundFault.js';
import type { SubscriptionManager } from './SubscriptionManager.js';

const PING = encodeClientCommand({ type: 'ping' });

export function kalamSession(link: Link, manager: SubscriptionManager, compression: 'gzip' | 'none', decoder: BinaryDecoder): Session {
  let authenticated = false;
  let ended = false;

  const handle = (text: string): void => {
    if (ended) return; // decoded after the socket was dropped: the resume covers it
    const message = decodeServerMessage(text);
    const fault = inboundFault(message, link);
    if (fault) link.broken(fault);
    else if (message.type === 'auth_success') {
      if (authenticated) return;
      authenticated = true;
      manager.resumesDeletes = message.resumeDeletes; // before the queue flushes
      link.opened();
    } else if (message.type === 'auth_error') {
      if (!authenticated) {
        link.rejected(new AuthError("The server rejected the live connection's credentials (auth_error); check the auth option.", { code: 'AUTH_FAILED' }));
      }
    } else manager.onMessage(message);
  };

  // A frame that cannot be decoded cannot be skipped: resume from the checkpoint instead (SPEC §1.5).
  const fail = (error: unknown): void => {
    if (!ended) link.broken(undecodable('binary frame could not be decoded', error));
  };

  return {
    start(token) {
      link.sendFirst(encodeClientCommand({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression } }));
    },
    receive(frame: Frame): void | Promise<void> {
      if (typeof frame === 'string') return handle(frame);
      try {
        const text = decoder(frame);
        if (typeof text === 'string') return handle(text);
        return text.then(handle, fail);
      } catch (error) {
        return fail(error);
      }
    },
    heartbeat: () => PING,
    closed() {
      if (ended) return;
      ended = true;
      manager.socketClosed();
    },
  };
}
