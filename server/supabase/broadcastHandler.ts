/**
 * REST broadcast (spec §3.6), under `/api` and `/realtime/v1/api`:
 * - `POST …/broadcast` with `{"messages":[{topic, event, payload, private?}]}` (topic without
 *   `realtime:`), the `send()` fallback of realtime-js;
 * - `POST …/broadcast/<topic>/events/<event>[?private=true]` with a JSON body, or raw bytes as
 *   `application/octet-stream` (`httpSend`; raw bytes reach vsn 2.0.0 sockets only, as kind 4).
 * Both answer 202 with an empty body. Public rooms need no token; private ones a user token.
 */
import type * as http from 'node:http';
import type { Engine } from '../engine/types.js';
import { BodyError, readBody, sendJson } from '../http/httpIo.js';
import { httpIdentity } from './httpIdentity.js';
import type { BroadcastMessage } from './Room.js';
import type { SupabaseRealtime } from './SupabaseRealtime.js';

const MAX_MESSAGES = 1000;

class BroadcastError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Outgoing {
  readonly topic: string;
  readonly isPrivate: boolean;
  readonly message: BroadcastMessage;
}

function parseBatch(body: Buffer, maxPayloadBytes: number): Outgoing[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BroadcastError(400, 'The body must be JSON: {"messages":[{"topic","event","payload","private"}]}');
  }
  const messages = value !== null && typeof value === 'object' ? (value as { messages?: unknown }).messages : undefined;
  if (!Array.isArray(messages)) throw new BroadcastError(400, 'The body must be {"messages":[{"topic","event","payload","private"}]}');
  if (messages.length > MAX_MESSAGES) throw new BroadcastError(400, `At most ${MAX_MESSAGES} messages per request`);
  return messages.map((m: unknown, i) => {
    const o = m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
    const topic = o['topic'];
    const event = o['event'];
    if (typeof topic !== 'string' || topic === '' || typeof event !== 'string') throw new BroadcastError(400, `messages[${i}] needs a string topic (without "realtime:") and a string event`);
    const payloadJson = JSON.stringify(o['payload'] ?? {});
    if (Buffer.byteLength(payloadJson) > maxPayloadBytes) throw new BroadcastError(413, `messages[${i}]: payload_size_exceeded (max ${maxPayloadBytes} bytes)`);
    return { topic, isPrivate: o['private'] === true, message: { event, payloadJson, payloadBytes: undefined } };
  });
}

function parseSingle(req: http.IncomingMessage, body: Buffer, url: URL, topic: string, event: string, maxPayloadBytes: number): Outgoing {
  if (body.length > maxPayloadBytes) throw new BroadcastError(413, `payload_size_exceeded (max ${maxPayloadBytes} bytes)`);
  const isPrivate = url.searchParams.get('private') === 'true';
  if (/^application\/octet-stream/i.test(req.headers['content-type'] ?? '')) {
    return { topic, isPrivate, message: { event, payloadJson: undefined, payloadBytes: new Uint8Array(body) } };
  }
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new BroadcastError(400, 'The body must be JSON, or raw bytes with Content-Type: application/octet-stream');
  }
  return { topic, isPrivate, message: { event, payloadJson: JSON.stringify(value), payloadBytes: undefined } };
}

/** `rest` is the path after `/broadcast` ('' or `/<topic>/events/<event>`). */
export async function handleBroadcast(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  realtime: SupabaseRealtime,
  engine: Engine,
  url: URL,
  rest: string,
  headers: Record<string, string>,
): Promise<void> {
  try {
    if (req.method !== 'POST') throw new BroadcastError(405, 'Use POST');
    const single = rest === '' ? undefined : /^\/([^/]+)\/events\/([^/]+)$/.exec(rest);
    if (single === null) throw new BroadcastError(404, 'Use POST /api/broadcast or POST /api/broadcast/<topic>/events/<event>');
    const who = await httpIdentity(req, url, engine);
    if (!who.ok) throw new BroadcastError(401, who.message);
    const max = realtime.options.maxPayloadBytes;
    const body = await readBody(req, rest === '' ? Math.max(max * 4, realtime.options.maxFrameBytes) : max + 1);
    let outgoing: Outgoing[];
    if (single === undefined) outgoing = parseBatch(body, max);
    else {
      let topic: string;
      let event: string;
      try {
        topic = decodeURIComponent(single[1]!);
        event = decodeURIComponent(single[2]!);
      } catch {
        throw new BroadcastError(400, 'The topic and event must be URI-encoded');
      }
      outgoing = [parseSingle(req, body, url, topic, event, max)];
    }
    if (who.user === undefined && outgoing.some((o) => o.isPrivate)) {
      throw new BroadcastError(401, 'Private channels need Authorization: Bearer <access_token> (POST /v1/api/auth/login)');
    }
    for (const o of outgoing) realtime.broadcast(o.topic, o.isPrivate, o.message);
    res.writeHead(202, { ...headers, 'Content-Length': '0', 'Cache-Control': 'no-store' });
    res.end();
  } catch (e) {
    if (e instanceof BroadcastError) sendJson(res, e.status, { error: e.message }, headers);
    else if (e instanceof BodyError) {
      sendJson(res, e.status, { error: e.status === 413 ? `payload_size_exceeded: ${e.message}` : e.message }, headers);
      if (e.status === 413) res.on('finish', () => req.destroy());
    } else throw e;
  }
}
