/**
 * KalamDB topics (K§9) for the topic consumer (src/topics): `POST /v1/api/topics/consume` and
 * `POST /v1/api/topics/ack`, Bearer auth (role service, dba or system), payloads base64 JSON.
 *
 * Opt-in, so apps that never consume topics bundle none of it:
 *
 *   import { kalamdbTopics } from 'livebind/kalamdb';
 *   const client = createClient({ url, auth, topics: kalamdbTopics });
 *   client.topic('app.new_messages').consume({ group: 'worker-1' }).subscribe(...);
 */
import { AuthError, ConnectionError, isLivebindError, QueryError } from '../../errors.js';
import { topicHandle } from '../../topics/consumeTopic.js';
import type { TopicBatch, TopicCalls, TopicHandle, TopicMessage, TopicStart } from '../../topics/types.js';
import type { DriverContext } from '../driver.js';
import type { FetchLike } from '../fetch.js';

/** The value of the `topics` option: builds `client.topic(name)` for one client. */
export type KalamTopics = (baseUrl: string, fetch: FetchLike, context: DriverContext) => (name: string) => TopicHandle;

export const kalamdbTopics: KalamTopics = (baseUrl, fetch, context) => {
  const calls = kalamTopicCalls(baseUrl, fetch, context.token);
  return (name) => topicHandle(name, calls, context.timers, context.now);
};

const OPS: Record<string, TopicMessage['op']> = { insert: 'insert', update: 'update', delete: 'delete' };

/** The two endpoints as TopicCalls; one retry with a fresh token after TOKEN_EXPIRED. */
export function kalamTopicCalls(baseUrl: string, fetch: FetchLike, token: DriverContext['token']): TopicCalls {
  const post = async (path: string, body: unknown, signal: AbortSignal): Promise<Record<string, unknown>> => {
    const text = JSON.stringify(body);
    try {
      return await send(baseUrl, fetch, path, await token('http'), text, signal);
    } catch (e) {
      if (!isLivebindError(e) || e.code !== 'TOKEN_EXPIRED') throw e;
      return send(baseUrl, fetch, path, await token('expired'), text, signal);
    }
  };
  return {
    async poll(req, signal): Promise<TopicBatch> {
      const json = await post(
        '/v1/api/topics/consume',
        { topic_id: req.topic, group_id: req.group, start: wireStart(req.start), limit: req.limit, partition_id: req.partition, timeout_seconds: req.waitSeconds },
        signal,
      );
      const raw = Array.isArray(json['messages']) ? (json['messages'] as Record<string, unknown>[]) : [];
      const messages = raw.map(message);
      const last = messages[messages.length - 1];
      const next = typeof json['next_offset'] === 'number' ? json['next_offset'] : last === undefined ? 0 : last.offset + 1;
      return { messages, nextOffset: next };
    },
    async ack(req, signal): Promise<number> {
      const json = await post('/v1/api/topics/ack', { topic_id: req.topic, group_id: req.group, partition_id: req.partition, upto_offset: req.upto }, signal);
      return typeof json['acknowledged_offset'] === 'number' ? json['acknowledged_offset'] : req.upto;
    },
  };
}

function wireStart(start: TopicStart): unknown {
  return start === 'earliest' ? 'Earliest' : start === 'latest' ? 'Latest' : { Offset: start.offset };
}

function message(m: Record<string, unknown>): TopicMessage {
  return {
    partition: typeof m['partition_id'] === 'number' ? m['partition_id'] : 0,
    offset: Number(m['offset']),
    key: typeof m['key'] === 'string' ? m['key'] : undefined,
    timestampMs: typeof m['timestamp_ms'] === 'number' ? m['timestamp_ms'] : 0,
    user: typeof m['user'] === 'string' ? m['user'] : undefined,
    op: OPS[String(m['op']).toLowerCase()] ?? 'insert',
    payload: typeof m['payload'] === 'string' ? decodePayload(m['payload']) : m['payload'],
  };
}

/** base64 of UTF-8 JSON → value (the raw text when it is not JSON). */
export function decodePayload(base64: string): unknown {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function send(baseUrl: string, fetch: FetchLike, path: string, token: string, body: string, signal: AbortSignal): Promise<Record<string, unknown>> {
  const url = baseUrl.replace(/\/+$/, '') + path;
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body, signal });
    status = res.status;
    text = await res.text();
  } catch (error) {
    throw new ConnectionError(`Could not reach ${url}; check the url option and that the server is running.`, { code: 'NETWORK_ERROR', cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const obj = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  if (status >= 200 && status < 300) return obj;
  const code = typeof obj['code'] === 'string' ? obj['code'] : `HTTP_${status}`;
  const what = typeof obj['error'] === 'string' ? obj['error'] : `Topic request failed with HTTP ${status}`;
  if (status === 429 || status >= 500) throw new ConnectionError(`${what} (${code}); retrying.`, { code: status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR' });
  if (status === 401) throw new AuthError(`${what} (${code}).`, { code, status });
  if (status === 403) throw new AuthError(`${what} (${code}); log in as a user with the service, dba or system role.`, { code, status });
  throw new QueryError(`${what} (${code}).`, { code, status });
}
