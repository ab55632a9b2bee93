/**
 * Test harness for the dev server's Supabase Realtime endpoint: a real dev server on a free
 * 127.0.0.1 port with users (password `<user>-pass`, logged in over HTTP), namespace `app`, and
 * the real `@supabase/realtime-js` client (Node 20: `transport: WebSocket` from `ws`).
 */
import { RealtimeClient, type RealtimeChannel } from '@supabase/realtime-js';
import { vi } from 'vitest';
import WebSocket from 'ws';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import type { SupabaseRealtimeOptions } from '../../server/supabase/realtimeOptions.js';
import { login, request, sql, type HttpReply } from '../server/httpTestClient.js';

export type Vsn = '1.0.0' | '2.0.0';
export const VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

export interface RealtimeHarness {
  readonly server: DevServer;
  /** Access tokens by user: alice, bob (role user), admin (dba). */
  readonly tokens: Readonly<Record<'alice' | 'bob' | 'admin', string>>;
  /** A realtime-js client (closed by `close`). */
  client(vsn: Vsn, options?: { apikey?: string; heartbeatIntervalMs?: number; timeout?: number }): RealtimeClient;
  /** A client whose joins carry `token` (setAuth before any join, as supabase-js does). */
  authed(vsn: Vsn, token: string): Promise<RealtimeClient>;
  /** SQL over the HTTP API as `user`; throws on errors. */
  sql(user: 'alice' | 'bob' | 'admin', text: string, params?: unknown[]): Promise<HttpReply>;
  rest(path: string, options?: { token?: string; headers?: Record<string, string> }): Promise<HttpReply>;
  close(): Promise<void>;
}

export async function startRealtimeHarness(realtime: SupabaseRealtimeOptions = {}): Promise<RealtimeHarness> {
  const server = await startDevServer({
    quiet: true,
    authRateLimitPerSec: 0,
    users: [
      { user: 'alice', password: 'alice-pass', role: 'user' },
      { user: 'bob', password: 'bob-pass', role: 'user' },
      { user: 'admin', password: 'admin-pass', role: 'dba' },
    ],
    realtime: { joinErrorDelayMs: 50, ...realtime },
  });
  const [alice, bob, admin] = await Promise.all(['alice', 'bob', 'admin'].map((u) => login(server, u, `${u}-pass`)));
  const tokens = { alice: alice!, bob: bob!, admin: admin! };
  const clients: RealtimeClient[] = [];
  await sql(server, tokens.admin, 'CREATE NAMESPACE IF NOT EXISTS app');
  const harness: RealtimeHarness = {
    server,
    tokens,
    client(vsn, options = {}) {
      const c = new RealtimeClient(server.realtimeUrl, {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { apikey: options.apikey ?? 'anon-key' },
        vsn,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
        timeout: options.timeout ?? 5000,
      });
      clients.push(c);
      return c;
    },
    async authed(vsn, token) {
      const c = harness.client(vsn);
      await c.setAuth(token);
      return c;
    },
    async sql(user, text, params) {
      const r = await sql(server, tokens[user], text, params);
      if (r.status !== 200) throw new Error(`SQL failed (${r.status}): ${r.text}`);
      return r;
    },
    rest: (path, options = {}) => request(server, 'GET', path, { ...(options.token === undefined ? {} : { token: options.token }), headers: { apikey: 'anon-key', ...options.headers } }),
    async close() {
      for (const c of clients) c.removeAllChannels().catch(() => undefined);
      for (const c of clients) c.disconnect();
      await server.close();
    },
  };
  return harness;
}

/** Resolves on SUBSCRIBED; rejects on the first CHANNEL_ERROR / TIMED_OUT / CLOSED. */
export function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve();
      else reject(new Error(`${status}${err ? `: ${err.message}` : ''}`));
    });
  });
}

/** Every status the channel reports, in order (with the error message). */
export function statusLog(channel: RealtimeChannel): string[] {
  const log: string[] = [];
  channel.subscribe((status, err) => log.push(err ? `${status}: ${err.message}` : status));
  return log;
}

/** Waits until `check` stops throwing (loose timeout: the machine is shared). */
export function eventually<T>(check: () => T, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 20 });
}
