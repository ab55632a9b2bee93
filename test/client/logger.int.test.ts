/**
 * The `logger` option against the real dev server: nothing is logged without it; with it,
 * connection changes and (at debug) each subscription's subscribe / ready / failed / unsubscribe,
 * and never a token, password or parameter value.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { createClient, createLogger, type LivebindClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';

let server: DevServer;
const clients: LivebindClient[] = [];
beforeAll(async () => {
  server = await startDevServer({ quiet: true, users: [{ user: 'admin', password: 'secret-admin-pass', role: 'dba' }] });
  const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'secret-admin-pass' } });
  clients.push(admin);
  await admin.execute('CREATE NAMESPACE IF NOT EXISTS lg');
  await admin.execute('CREATE SHARED TABLE lg.items (id BIGINT PRIMARY KEY, v TEXT)');
  await admin.execute("INSERT INTO lg.items (id, v) VALUES (1, 'a'), (2, 'b')");
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

test('debug logs connection and subscription events without secrets', async () => {
  const entries: { level: string; message: string; fields: unknown }[] = [];
  const sink = (level: string) => (message: string, fields?: unknown) => entries.push({ level, message, fields });
  const logger = { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') };
  const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'secret-admin-pass' }, logger: createLogger(logger, 'debug') });
  clients.push(client);
  const live = client.liveRows('SELECT id, v FROM lg.items WHERE v <> $1', { params: ['secret-param-value'] });
  const sub = live.subscribe(() => undefined);
  await vi.waitFor(() => expect(live.getSnapshot().status).toBe('ready'), { timeout: 10_000 });
  const bad = client.liveRows('SELECT id FROM lg.missing_table');
  const badSub = bad.subscribe({ next: () => undefined, error: () => undefined });
  await vi.waitFor(() => expect(bad.getSnapshot().status).toBe('error'), { timeout: 10_000 });
  sub.unsubscribe();
  badSub.unsubscribe();
  await vi.waitFor(() => expect(entries.some((e) => e.message === 'livebind: liveRows unsubscribe')).toBe(true));

  const messages = entries.map((e) => `${e.level} ${e.message}`);
  expect(messages).toContain('info livebind: connection open');
  expect(messages).toContain('debug livebind: liveRows subscribe');
  expect(messages).toContain('warn livebind: liveRows failed');
  expect(entries.find((e) => e.message === 'livebind: liveRows loaded')?.fields).toMatchObject({ rows: 2, kind: 'initial', sql: 'SELECT id, v FROM lg.items WHERE v <> $1' });
  const text = JSON.stringify(entries);
  expect(text).not.toContain('secret-admin-pass');
  expect(text).not.toContain('secret-param-value');
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT
});

test('without a logger nothing is written; an unknown level or a bare console is a UsageError', async () => {
  const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => undefined));
  try {
    const client = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: server.url, auth: { user: 'admin', password: 'secret-admin-pass' } });
    clients.push(client);
    const live = client.liveRows('SELECT id FROM lg.items');
    const sub = live.subscribe(() => undefined);
    await vi.waitFor(() => expect(live.getSnapshot().status).toBe('ready'), { timeout: 10_000 });
    sub.unsubscribe();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(() => createLogger(console, 'verbose' as never)).toThrow(/logLevel must be one of/);
  expect(() => createClient({ sql: kalamdbSql, url: server.url, auth: { token: 'x' }, logger: console as never })).toThrow(/createLogger/);
});
