/**
 * `/v1/api/auth/setup` (and `/status`, `/health`) trust loopback callers only (spec §3.4): a caller
 * from any other address gets 403 and the server stays unconfigured.
 *
 * 1. The real request handler behind an HTTP server on 127.0.0.1 whose sockets report a
 *    non-loopback remote address (always runs).
 * 2. When this machine has a non-internal IPv4 address: the real dev server bound to 0.0.0.0,
 *    called through that address, so the server sees a real non-loopback peer.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startDevServer } from '../../server/devServer.js';
import { createRequestHandler } from '../../server/http/createRequestHandler.js';

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

function externalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('127.')) return a.address;
  }
  return undefined;
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

  const ip = externalIPv4();
  it.skipIf(ip === undefined)(`refuses a real non-loopback peer (${ip ?? 'no external IPv4 on this machine'})`, async () => {
    const dev = await startDevServer({ quiet: true, host: '0.0.0.0', authRateLimitPerSec: 0 });
    try {
      await expectRefusedThenLoopbackWorks(`http://${ip}:${dev.port}`, `http://127.0.0.1:${dev.port}`);
    } finally {
      await dev.close();
    }
  });
});
