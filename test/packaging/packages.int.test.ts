/**
 * The two packages as an app gets them: `npm pack` of `livebind` (the client) and of
 * `@livebind/dev-server` (a workspace in server/), installed into a fresh app directory.
 * - The client package depends on rxjs and ws only (no PGlite, parser, jose or lossless-json),
 *   ships no server code, marks `livebind/react` 'use client', and its source maps carry their sources.
 * - Installed side by side, the dev server's `testing` entry starts a server the client then
 *   queries live, and the `livebind` bin runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'livebind-pack-'));
const npm = (args: string[], cwd: string): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
let client = '';
let devServer = '';

beforeAll(() => {
  client = join(work, npm(['pack', '--pack-destination', work, '--silent'], root).trim().split('\n').pop()!);
  devServer = join(work, npm(['pack', '-w', '@livebind/dev-server', '--pack-destination', work, '--silent'], root).trim().split('\n').pop()!);
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = (tarball: string): string[] => execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
const read = (tarball: string, path: string): string => execFileSync('tar', ['xzOf', tarball, `package/${path}`], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('the client package: rxjs and ws only, no server code, react marked use client, maps carry their sources', () => {
  const pkg = JSON.parse(read(client, 'package.json')) as { dependencies: Record<string, string>; bin?: unknown };
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['rxjs', 'ws']);
  expect(pkg.bin).toBeUndefined();
  const list = files(client);
  expect(list).toContain('package/dist/src/index.js');
  expect(list).toContain('package/dist/src/kalamdb.js');
  expect(list).toContain('package/dist/src/supabase.js');
  expect(list.filter((f) => /^package\/(dist\/)?(server|testing)\/|pglite/i.test(f))).toEqual([]);
  expect(read(client, 'dist/react/index.js').startsWith("'use client';")).toBe(true);
  const map = JSON.parse(read(client, 'dist/src/client.js.map')) as { sourcesContent?: string[] };
  expect(map.sourcesContent?.[0]).toContain('export function createClient');
  const server = JSON.parse(read(devServer, 'package.json')) as { dependencies: Record<string, string>; bin: Record<string, string> };
  expect(Object.keys(server.dependencies)).toContain('@electric-sql/pglite');
  expect(server.bin).toEqual({ livebind: './bin/livebind.js' });
}, 30_000);

test('installed into a fresh app, the dev server starts from its testing entry and the client reads it live; the bin runs', () => {
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', client, devServer], app);
  writeFileSync(
    join(app, 'smoke.mjs'),
    `import { startDevServer } from '@livebind/dev-server/testing';
import { createClient } from 'livebind';
import { kalamdbLogin, kalamdbSql } from 'livebind/kalamdb';
const server = await startDevServer({ users: [{ user: 'admin', password: 'admin-pass', role: 'dba' }] });
const client = createClient({ url: server.url, auth: { user: 'admin', password: 'admin-pass' }, login: kalamdbLogin, sql: kalamdbSql });
await client.execute('CREATE NAMESPACE IF NOT EXISTS app');
await client.execute('CREATE SHARED TABLE app.t (id BIGINT PRIMARY KEY, v TEXT)');
await client.execute("INSERT INTO app.t (id, v) VALUES (1, 'packed')");
const rows = await new Promise((resolve) => {
  const s = client.liveRows('SELECT id, v FROM app.t').subscribe((x) => {
    if (x.status === 'ready') { resolve(x.rows); queueMicrotask(() => s.unsubscribe()); }
  });
});
console.log(JSON.stringify(rows));
await client.close();
await server.close();
`,
  );
  const out = execFileSync('node', ['smoke.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(out.trim())).toEqual([{ id: '1', v: 'packed' }]);
  const help = execFileSync(join(app, 'node_modules', '.bin', 'livebind'), ['dev', '--help'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
  expect(help).toContain('Usage: livebind dev');
}, 240_000);
