/**
 * The live-query driver interface: what the connection and subscription manager need from a wire
 * protocol. A driver is pure (frames in → typed messages, commands → frames); I/O, timers and
 * state live in src/connection and src/live. `kalamdbDriver` is the one implementation today.
 */
import { decodeServerMessage, encodeClientCommand } from './codec.js';
import type { ClientCommand, ServerMessage } from './messages.js';

export interface LiveDriver {
  readonly name: 'kalamdb';
  /** WebSocket URL for an HTTP base URL (`http→ws`, `https→wss`, `/v1/ws`, `?compress=false` when off). */
  wsUrl(baseUrl: string, compress: boolean): string;
  encode(command: ClientCommand): string;
  decode(text: string): ServerMessage;
}

export const kalamdbDriver: LiveDriver = {
  name: 'kalamdb',
  wsUrl(baseUrl, compress) {
    const url = new URL(baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/ws`;
    url.search = compress ? '' : '?compress=false';
    url.hash = '';
    return url.toString();
  },
  encode: encodeClientCommand,
  decode: decodeServerMessage,
};
