import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDevServer as startForTests } from '../../server/testing.js';
import { startDevServer } from '../../server/devServer.js';
import { login, request, sql } from './httpTestClient.js';

const started: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

describe('startDevServer', () => {
  it('seeds the demo data: demo user sees its own todos, messages and metrics are public', async () => {
    const server = await startDevServer({ seed: 'demo', quiet: true, authRateLimitPerSec: 0 });
    started.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.port}/v1/ws`);
    const demo = await login(server, 'demo', 'demo');
    const admin = await login(server, 'admin', 'kalamdb123');
    const msgs = await sql(server, demo, 'SELECT room, author, body FROM app.messages ORDER BY id');
    expect(msgs.json.results[0].row_count).toBeGreaterThan(0);
    const ins = await sql(server, demo, 'INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', ['lobby', 'demo', 'hi']);
    expect(ins.json.results[0].message).toBe('Inserted 1 row(s)');
    expect((await sql(server, demo, 'SELECT * FROM app.todos')).json.results[0].row_count).toBe(3);
    expect((await sql(server, admin, 'SELECT * FROM app.todos')).json.results[0].row_count).toBe(0);
    expect((await sql(server, demo, 'SELECT * FROM app.metrics')).json.results[0].row_count).toBeGreaterThan(0);
    expect(server.engine.getTable('app', 'todos')?.type).toBe('user');
  });

  it('close() ends WebSocket clients with 1001 and stops HTTP; the testing entry defaults to an empty database', async () => {
    const server = await startForTests({ users: [{ user: 'u', password: 'p', role: 'user' }] });
    const token = await login(server, 'u', 'p');
    expect((await request(server, 'GET', '/v1/api/auth/status')).json.needs_setup).toBe(true);
    expect(server.engine.getTable('app', 'messages')).toBeUndefined();
    const ws = new WebSocket(server.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    await server.close();
    expect(await closed).toEqual([1001, 'Server shutting down']);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await server.close();
  });
});
