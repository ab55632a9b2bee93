import { startDevServer, type DevServer, type DevServerUser } from '../../server/devServer.js';
import type { ChangeRecord } from '../../server/engine/types.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any;
  readonly text: string;
}

/** Minimal HTTP helper for tests against a real dev server. */
export async function request(
  server: DevServer,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  const r = await fetch(server.url + path, init);
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, json, text };
}

export async function login(server: DevServer, user: string, password: string): Promise<string> {
  const r = await request(server, 'POST', '/v1/api/auth/login', { body: { user, password } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
  return r.json.access_token as string;
}

export function sql(server: DevServer, token: string, sqlText: string, params?: unknown[], namespace?: string): Promise<HttpReply> {
  const body: Record<string, unknown> = { sql: sqlText };
  if (params !== undefined) body['params'] = params;
  if (namespace !== undefined) body['namespace_id'] = namespace;
  return request(server, 'POST', '/v1/api/sql', { body, token });
}

export interface HttpTestServer {
  readonly server: DevServer;
  /** An access token per user name (each logged in with the password `<user>-pass`). */
  readonly tokens: Readonly<Record<string, string>>;
  /** Every ChangeRecord the engine captured since the server started. */
  readonly changes: ChangeRecord[];
}

/**
 * A real dev server on a free port for an HTTP test file: the given users (password
 * `<user>-pass`), all logged in, and the engine's change records collected. No auth rate limit.
 */
export async function startHttpTestServer(users: readonly Omit<DevServerUser, 'password'>[]): Promise<HttpTestServer> {
  const server = await startDevServer({
    quiet: true,
    authRateLimitPerSec: 0,
    users: users.map((u) => ({ ...u, password: `${u.user}-pass` })),
  });
  const changes: ChangeRecord[] = [];
  server.engine.onChange((c) => changes.push(c));
  const tokens = await Promise.all(users.map((u) => login(server, u.user, `${u.user}-pass`)));
  return { server, tokens: Object.fromEntries(users.map((u, i) => [u.user, tokens[i]!])), changes };
}
