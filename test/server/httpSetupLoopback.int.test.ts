/**
 * `/v1/api/auth/setup` (and `/status`, `/health`) trust loopback callers only (spec §3.4): a caller
 * from any other address gets 403 and the server stays unconfigured.
 *
 * 1. The real request handler behind an HTTP server on 127.0.0.1 whose sockets report a
 *    non-loopback remote address (always runs).
 * 2. Where `ip netns` works (root, iproute2): the real dev server on the host end of a veth pair,
 *    called from a network namespace the test creates, so the server sees a real non-loopback
 *    peer while no traffic reaches the machine's external address.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import { createRequestHandler } from '../../server/http/createRequestHandler.js';

const execFileAsync = promisify(execFile);

const SETUP_BODY = { username: 'admin', password: 'kalamdb123', root_password: 'kalamdb123' };

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const r = await fetch(base + path, init);
  const text = await r.text();
  return { status: r.status, json: text === '' ? undefined : JSON.parse(text) };
}

interface NetnsPeer {
  /** The host end of the veth pair (where the server listens): a private address, not loopback. */
  readonly hostAddress: string;
  /** One HTTP request made from inside the namespace (its source address is the peer end). */
  call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  remove(): void;
}

/**
 * A network namespace with a veth pair (10.251.x.1 on the host, 10.251.x.2 inside), made for this
 * test: traffic stays on this machine and never touches its external address. Returns why not when
 * `ip netns` is unavailable (not root, no iproute2).
 */
function netnsPeer(): NetnsPeer | string {
  const tag = `lb${process.pid % 100000}`;
  const octet = (process.pid % 250) + 1;
  const hostAddress = `10.251.${octet}.1`;
  const run = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  const remove = () => {
    run('netns', 'del', tag);
    run('link', 'del', `${tag}a`);
  };
  remove();
  const steps = [
    ['netns', 'add', tag],
    ['link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`],
    ['link', 'set', `${tag}b`, 'netns', tag],
    ['addr', 'add', `${hostAddress}/30`, 'dev', `${tag}a`],
    ['link', 'set', `${tag}a`, 'up'],
    ['netns', 'exec', tag, 'ip', 'addr', 'add', `10.251.${octet}.2/30`, 'dev', `${tag}b`],
    ['netns', 'exec', tag, 'ip', 'link', 'set', `${tag}b`, 'up'],
    ['netns', 'exec', tag, 'ip', 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) {
    const r = run(...step);
    if (r.status !== 0) {
      remove();
      return `ip ${step.slice(0, 2).join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`;
    }
  }
  const script = `const [u, m, b] = process.argv.slice(1); fetch(u, { method: m, ...(b ? { body: b, headers: { 'content-type': 'application/json' } } : {}) }).then(async (r) => { const t = await r.text(); process.stdout.write(JSON.stringify({ status: r.status, text: t })); }, (e) => { process.stdout.write(JSON.stringify({ status: 0, text: String(e) })); });`;
  return {
    hostAddress,
    async call(base, method, path, body) {
      // Asynchronous: the server answering runs in this very process.
      const { stdout } = await execFileAsync('ip', ['netns', 'exec', tag, process.execPath, '-e', script, base + path, method, body === undefined ? '' : JSON.stringify(body)], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      const out = JSON.parse(stdout || '{"status":0,"text":""}') as { status: number; text: string };
      return { status: out.status, json: out.text === '' ? undefined : JSON.parse(out.text) };
    },
    remove,
  };
}

async function expectRefusedThenLoopbackWorks(remoteBase: string, loopbackBase: string): Promise<void> {
  const setup = await call(remoteBase, 'POST', '/v1/api/auth/setup', SETUP_BODY);
  expect(setup.status).toBe(403);
  expect(setup.json).toEqual({ error: 'forbidden', message: 'Setup is only allowed from localhost' });
  expect((await call(remoteBase, 'GET', '/v1/api/auth/status')).status).toBe(403);
  expect((await call(remoteBase, 'GET', '/health')).status).toBe(403);
  // Nothing was created: the server still needs setup, and no login works.
  expect((await call(loopbackBase, 'GET', '/v1/api/auth/status')).json.needs_setup).toBe(true);
  expect((await call(loopbackBase, 'POST', '/v1/api/auth/login', { user: 'admin', password: 'kalamdb123' })).status).toBe(428);
  // The same request from loopback succeeds (the refusal was about the address, not the body).
  expect((await call(loopbackBase, 'POST', '/v1/api/auth/setup', SETUP_BODY)).status).toBe(200);
  expect((await call(loopbackBase, 'GET', '/v1/api/auth/status')).json.needs_setup).toBe(false);
  // And a remote caller still cannot run it again or read status.
  expect((await call(remoteBase, 'POST', '/v1/api/auth/setup', SETUP_BODY)).status).toBe(403);
}

describe('/v1/api/auth/setup is loopback only', () => {
  it('refuses a non-loopback remote address at the request handler', async () => {
    const dev = await startDevServer({ quiet: true, authRateLimitPerSec: 0 });
    const handler = createRequestHandler({ engine: dev.engine, authRateLimitPerSec: 0 });
    const remote = http.createServer((req, res) => {
      // The socket is real; only the peer address it reports is replaced (TEST-NET-3, RFC 5737).
      Object.defineProperty(req.socket, 'remoteAddress', { value: '203.0.113.7', configurable: true });
      handler(req, res);
    });
    try {
      await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
      const remoteBase = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
      await expectRefusedThenLoopbackWorks(remoteBase, dev.url);
    } finally {
      remote.closeAllConnections();
      await new Promise<void>((resolve) => remote.close(() => resolve()));
      await dev.close();
    }
  });

  const ns = netnsPeer();
  it.skipIf(typeof ns === 'string')(`refuses a real non-loopback peer from a network namespace${typeof ns === 'string' ? ` (skipped: ${ns})` : ''}`, async () => {
    const peer = ns as NetnsPeer;
    const dev = await startDevServer({ quiet: true, host: peer.hostAddress, authRateLimitPerSec: 0 });
    try {
      const base = `http://${peer.hostAddress}:${dev.port}`;
      const setup = await peer.call(base, 'POST', '/v1/api/auth/setup', SETUP_BODY);
      expect(setup.status).toBe(403);
      expect(setup.json).toEqual({ error: 'forbidden', message: 'Setup is only allowed from localhost' });
      expect((await peer.call(base, 'GET', '/v1/api/auth/status')).status).toBe(403);
      expect((await peer.call(base, 'GET', '/health')).status).toBe(403);
      // Nothing was created.
      expect(await dev.engine.countUsers(['dba', 'system'])).toBe(0);
    } finally {
      await dev.close();
      peer.remove();
    }
  });
});
