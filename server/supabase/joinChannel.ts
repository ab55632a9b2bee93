/**
 * `phx_join` (spec §3.2, §3.3): topic checks, limits, the user's token, private channels, then the
 * ok reply echoing every postgres_changes binding unchanged with its integer id, followed by
 * `presence_state` (when enabled) and one `system` message per binding ("Subscribed to
 * PostgreSQL", or the binding's error). Join errors are replied `joinErrorDelayMs` late, like
 * Supabase. A duplicate join of a topic first closes the old join_ref.
 *
 * Who may do what: anyone with any apikey may join public channels (broadcast, presence). Private
 * channels need a user token (any role). postgres_changes deliver rows only while the join has a
 * user token (from phx_join or a later access_token push, as realtime-js sends it when its
 * accessToken callback resolves after the join): USER tables only the token user's own rows,
 * SHARED tables by their access level (as SQL reads). Without a token a binding is confirmed but
 * sees no rows, like Supabase's anon role under row-level security.
 */
import type { Engine } from '../engine/types.js';
import { ChannelJoin, systemJson, type Identity, type JoinSocket } from './ChannelJoin.js';
import { parseJoinPayload } from './joinConfig.js';
import { compileBinding, type CompiledBinding, type PostgresBinding } from './postgresBinding.js';
import type { PhoenixMessage } from './phoenixFrame.js';
import { checkToken } from './realtimeAuth.js';
import type { ResolvedRealtimeOptions } from './realtimeOptions.js';
import type { Room } from './Room.js';

export interface JoinHub {
  readonly engine: Engine;
  readonly options: ResolvedRealtimeOptions;
  room(isPrivate: boolean, topic: string): Room;
  attach(join: ChannelJoin): void;
  detach(join: ChannelJoin): void;
}

export interface JoiningSocket extends JoinSocket {
  readonly joins: Map<string, ChannelJoin>;
  readonly connection: Identity;
  readonly isClosed: boolean;
  later(ms: number, fn: () => void): void;
  allowJoin(): boolean;
  closeWith(code: number, reason: string): void;
}

const TOPIC_PREFIX = 'realtime:';
const MAX_TOPIC_BYTES = 255;

export async function joinChannel(socket: JoiningSocket, hub: JoinHub, m: PhoenixMessage): Promise<void> {
  const topic = m.topic;
  const joinRef = m.joinRef ?? m.ref ?? '';
  const ref = m.ref;
  const fail = (reason: string, then?: () => void): void =>
    socket.later(hub.options.joinErrorDelayMs, () => {
      socket.reply(joinRef, ref, topic, 'error', JSON.stringify({ reason }));
      then?.();
    });

  if (!topic.startsWith(TOPIC_PREFIX)) return socket.reply(null, ref, topic, 'error', '{"reason":"unmatched topic"}');
  const subTopic = topic.slice(TOPIC_PREFIX.length);
  if (subTopic === '') return fail('TopicNameRequired: You must provide a topic name');
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return fail(`TopicNameTooLong: A topic is at most ${MAX_TOPIC_BYTES} bytes (binary frames cannot carry more)`);
  if (!socket.allowJoin()) return fail('ClientJoinRateLimitReached: Too many joins per second', () => socket.closeWith(1001, 'Too many joins per second'));

  socket.joins.get(topic)?.close();
  if (socket.joins.size >= hub.options.maxChannelsPerSocket) return fail('ChannelRateLimitReached: Too many channels');

  const config = parseJoinPayload(m.payload);
  let identity = socket.connection;
  const token = config.accessToken;
  if (token !== undefined && token !== '' && !token.startsWith('sb_') && token !== socket.apikey) {
    const check = await checkToken(hub.engine, token);
    if (!check.ok) return fail(check.reason);
    identity = { user: check.user, token, expiresAtMs: check.expiresAtMs };
  }
  if (socket.isClosed) return undefined;
  if (config.isPrivate && identity.user === undefined) {
    return fail(`Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic} (private channels need an access_token from POST /v1/api/auth/login)`);
  }
  if (config.postgresChanges.length > hub.options.maxBindingsPerJoin) {
    return fail(`TooManyBindings: at most ${hub.options.maxBindingsPerJoin} postgres_changes bindings per channel`);
  }

  const compiled: CompiledBinding[] = config.postgresChanges.map((params) => compileBinding(params, hub.engine));
  const bindings: PostgresBinding[] = [];
  const statuses: string[] = [];
  for (const c of compiled) {
    if (!c.ok) {
      statuses.push(c.message);
    } else {
      bindings.push(c.binding);
      statuses.push('');
    }
  }

  // A duplicate join that arrived while this one waited for its token check replaces it too.
  socket.joins.get(topic)?.close();
  const join = new ChannelJoin(socket, topic, joinRef, hub.room(config.isPrivate, topic), config, bindings, identity, {
    engine: hub.engine,
    options: hub.options,
    onDestroy: (j) => hub.detach(j),
  });
  socket.joins.set(topic, join);
  hub.attach(join);

  const echo = config.postgresChanges.map((params, i) =>
    params !== null && typeof params === 'object' && !Array.isArray(params) ? { ...params, id: compiled[i]!.id } : params,
  );
  socket.reply(joinRef, ref, topic, 'ok', JSON.stringify({ postgres_changes: echo }));
  if (config.presenceEnabled) socket.push(joinRef, null, topic, 'presence_state', join.room.presence.stateJson());
  if (statuses.length === 0) return undefined;
  socket.later(hub.options.postgresReadyDelayMs, () => {
    if (join.isEnded) return;
    for (const status of statuses) {
      const ok = status === '';
      socket.push(joinRef, null, topic, 'system', systemJson('postgres_changes', ok ? 'ok' : 'error', ok ? 'Subscribed to PostgreSQL' : status, join.subTopic));
    }
  });
  return undefined;
}
