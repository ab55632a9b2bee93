/**
 * The `phx_join` payload (spec §3.2). Unlike realtime-js, the config is always complete (no
 * shallow merge that drops `broadcast.ack`), postgres_changes bindings are canonical and
 * de-duplicated, and the token is whatever the session holds for this join: the session never
 * passes an expired one (§7 #3).
 */
import type { PostgresBinding } from './postgresBinding.js';
import { dedupeBindings } from './postgresBinding.js';

/** Sent as `version`, like realtime-js's `realtime-js/<version>` (server logging only). */
export const CLIENT_VERSION = 'livebind/0.1.0';

export interface JoinConfig {
  readonly broadcast: { readonly ack: boolean; readonly self: boolean };
  readonly presence: { readonly key: string; readonly enabled: boolean };
  readonly private: boolean;
  readonly postgresChanges: readonly PostgresBinding[];
}

export const DEFAULT_JOIN_CONFIG: JoinConfig = {
  broadcast: { ack: false, self: false },
  presence: { key: '', enabled: false },
  private: false,
  postgresChanges: [],
};

export interface JoinPayload {
  readonly config: {
    readonly broadcast: { readonly ack: boolean; readonly self: boolean };
    readonly presence: { readonly key: string; readonly enabled: boolean };
    readonly postgres_changes: readonly WireBinding[];
    readonly private: boolean;
  };
  readonly access_token?: string;
  readonly version: string;
}

export interface WireBinding {
  readonly event: string;
  readonly schema: string;
  readonly table?: string;
  readonly filter?: string;
}

export function buildJoinPayload(config: JoinConfig, accessToken: string | undefined): JoinPayload {
  const config_ = {
    broadcast: { ack: config.broadcast.ack, self: config.broadcast.self },
    presence: { key: config.presence.key, enabled: config.presence.enabled },
    postgres_changes: dedupeBindings(config.postgresChanges).map(toWire),
    private: config.private,
  };
  return accessToken === undefined ? { config: config_, version: CLIENT_VERSION } : { config: config_, access_token: accessToken, version: CLIENT_VERSION };
}

export function toWire(binding: PostgresBinding): WireBinding {
  const wire: { event: string; schema: string; table?: string; filter?: string } = { event: binding.event, schema: binding.schema };
  if (binding.table !== undefined) wire.table = binding.table;
  if (binding.filter !== undefined) wire.filter = binding.filter;
  return wire;
}
