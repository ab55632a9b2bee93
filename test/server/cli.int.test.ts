import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../server/cli.js';
import { runCli } from './cliProcess.js';
import { WsTestClient } from './wsTestClient.js';

const run = runCli;

async function post(url: string, path: string, body: unknown, token?: string): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const r = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function loginToken(url: string, user: string, password: string): Promise<string> {
  const r = await post(url, '/v1/api/auth/login', { user, password });
  expect(r.status).toBe(200);
  return r.json.access_token as string;
}

describe('livebind CLI', () => {
  it('parses flags', () => {
    expect(parseCliArgs(['dev'])).toEqual({ port: 8080, host: '127.0.0.1', dataDir: undefined, seed: 'none' });
    expect(parseCliArgs(['dev', '--port=0', '--seed', 'demo', '--data', '/tmp/x'])).toEqual({ port: 0, host: '127.0.0.1', dataDir: '/tmp/x', seed: 'demo' });
    expect(parseCliArgs(['--help'])).toBe('help');
    for (const bad of [[], ['serve'], ['dev', '--port', '99999'], ['dev', '--seed', 'lots'], ['dev', '--nope'], ['dev', '--port']]) {
      expect(() => parseCliArgs(bad), bad.join(' ')).toThrow();
    }
  });

  it('prints help and exits 0; bad flags exit 2', async () => {
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.out()).toContain('Usage: livebind dev');
    const bad = run(['dev', '--port', 'x']);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain('--port');
  });

  it('starts with the demo seed, serves HTTP and WS, and stops cleanly on SIGINT (open sockets closed with 1001)', async () => {
    const p = run(['dev', '--port', '0', '--seed', 'demo']);
    try {
      const { url, wsUrl } = await p.ready();
      expect(p.out()).toContain('demo / demo');
      const token = await loginToken(url, 'demo', 'demo');
      const ws = await WsTestClient.authed(wsUrl, token);
      ws.send({ type: 'subscribe', subscription: { id: 't', sql: 'SELECT * FROM app.todos', options: {} } });
      await ws.load('t');
      p.child.kill('SIGINT');
      expect(await ws.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
      expect(await p.exited).toBe(0);
      expect(p.out()).toContain('SIGINT received');
      expect(p.out()).toContain('stopped');
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  }, 120_000);

  it('with --data DIR, a row written before SIGINT is read back after a restart on the same dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livebind-cli-'));
    const procs: ReturnType<typeof run>[] = [];
    try {
      const first = run(['dev', '--port', '0', '--seed', 'demo', '--data', dir]);
      procs.push(first);
      const a = await first.ready();
      expect(first.out()).toContain(`Data  ${dir}`);
      const t1 = await loginToken(a.url, 'demo', 'demo');
      const w = await post(a.url, '/v1/api/sql', { sql: "INSERT INTO app.todos (id, title, done) VALUES (4242, 'survives ctrl-c', true)" }, t1);
      expect(w.status, JSON.stringify(w.json)).toBe(200);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);

      const second = run(['dev', '--port', '0', '--seed', 'demo', '--data', dir]);
      procs.push(second);
      const b = await second.ready();
      const t2 = await loginToken(b.url, 'demo', 'demo');
      const r = await post(b.url, '/v1/api/sql', { sql: 'SELECT id, title, done FROM app.todos WHERE id = 4242' }, t2);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.results[0].rows).toEqual([['4242', 'survives ctrl-c', true]]);
      // And over /v1/ws.
      const ws = await WsTestClient.authed(b.wsUrl, t2);
      ws.send({ type: 'subscribe', subscription: { id: 't', sql: 'SELECT id, title FROM app.todos', options: {} } });
      const { rows } = await ws.load('t');
      // The three seeded todos plus ours: the restart did not seed again.
      expect(rows).toHaveLength(4);
      expect(rows).toContainEqual(expect.objectContaining({ id: '4242', title: 'survives ctrl-c' }));
      second.child.kill('SIGINT');
      expect(await ws.closed).toMatchObject({ code: 1001 });
      expect(await second.exited).toBe(0);
    } finally {
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // two cold PGlite starts (no template) and a persisted shutdown
});
