/**
 * The `phx_join` payload (spec §3.2): broadcast/presence/private config, postgres_changes bindings
 * (echoed unchanged with an integer id, §3.3) and the user token. Invalid fields fall back to the
 * defaults, like the Supabase server (which only logs `InvalidJoinPayload`).
 */

export interface JoinConfig {
  readonly ack: boolean;
  readonly self: boolean;
  /** '' → the server picks one per join. */
  readonly presenceKey: string;
  readonly presenceEnabled: boolean;
  readonly isPrivate: boolean;
  /** The client's bindings as sent (each echoed unchanged in the join reply). */
  readonly postgresChanges: readonly unknown[];
  /** `access_token` (or legacy `user_token`); undefined when absent or not a string. */
  readonly accessToken: string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Booleans also accept "true"/"false" (§3.2). */
function bool(v: unknown, fallback: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

export function parseJoinPayload(payload: unknown): JoinConfig {
  const p = isRecord(payload) ? payload : {};
  const config = isRecord(p['config']) ? p['config'] : {};
  const broadcast = isRecord(config['broadcast']) ? config['broadcast'] : {};
  const presence = isRecord(config['presence']) ? config['presence'] : {};
  const key = presence['key'];
  const token = typeof p['access_token'] === 'string' ? p['access_token'] : typeof p['user_token'] === 'string' ? p['user_token'] : undefined;
  return {
    ack: bool(broadcast['ack'], false),
    self: bool(broadcast['self'], false),
    presenceKey: typeof key === 'string' ? key : typeof key === 'number' && Number.isFinite(key) ? String(key) : '',
    presenceEnabled: bool(presence['enabled'], false),
    isPrivate: bool(config['private'], false),
    postgresChanges: Array.isArray(config['postgres_changes']) ? config['postgres_changes'] : [],
    accessToken: token,
  };
}

/**
 * A binding's integer id: a hash of its params (like `:erlang.phash2`, 27 bits), so the same
 * filter always gets the same id.
 */
export function bindingId(params: unknown): number {
  const p = isRecord(params) ? params : {};
  const text = JSON.stringify([p['event'] ?? null, p['schema'] ?? null, p['table'] ?? null, p['filter'] ?? null, p['select'] ?? null]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7ffffff;
}
