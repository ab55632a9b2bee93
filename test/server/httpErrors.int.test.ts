import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';
import { login, request, sql } from './httpTestClient.js';

let server: DevServer;
let token: string;

beforeAll(async () => {
  server = await startDevServer({ quiet: true, users: [{ user: 'admin', password: 'admin-pass', role: 'dba' }] });
  token = await login(server, 'admin', 'admin-pass');
});

afterAll(async () => {
  await server.close();
});

function post(raw: string, headers: Record<string, string> = {}) {
  return request(server, 'POST', '/v1/api/sql', { raw, token, headers: { 'content-type': 'application/json', ...headers } });
}

describe('HTTP SQL error paths (§4.4)', () => {
  it('bad JSON and non-object bodies → 400 INVALID_INPUT in the error envelope', async () => {
    for (const raw of ['{"sql":', 'null', '[1]', '"SELECT 1"', '', '\u0000']) {
      const r = await post(raw);
      expect(r.status, raw).toBe(400);
      expect(r.json, raw).toMatchObject({ status: 'error', results: [], took: expect.any(Number), error: { code: 'INVALID_INPUT' } });
    }
  });

  it('missing, empty or wrongly typed fields', async () => {
    expect((await post('{}')).json.error.code).toBe('EMPTY_SQL');
    expect((await post('{"sql":"   ; ;"}')).json.error.code).toBe('EMPTY_SQL');
    expect((await post('{"sql":" -- just a comment"}')).json.error.code).toBe('EMPTY_SQL');
    expect((await post('{"sql":42}')).json.error.code).toBe('INVALID_INPUT');
    expect((await post('{"sql":"SELECT 1","params":"x"}')).json.error.code).toBe('INVALID_PARAMETER');
    expect((await post('{"sql":"SELECT 1","namespace_id":5}')).json.error.code).toBe('INVALID_INPUT');
    expect((await post('{"sql":"SELECT 1","namespace_id":"no such; ns"}')).json.error.code).toBe('INVALID_INPUT');
    expect((await post(JSON.stringify({ sql: 'SELECT $1', params: new Array(51).fill(1) }))).json.error.code).toBe('INVALID_PARAMETER');
    expect((await post(`{"sql":"SELECT 'unterminated"}`)).json.error.code).toBe('INVALID_SQL');
  });

  it('oversized bodies and SQL → 413 / 400 and the server keeps working', async () => {
    const big = await post(JSON.stringify({ sql: `SELECT '${'x'.repeat(5 * 1024 * 1024)}'` }));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('INVALID_INPUT');
    const bigSql = await post(JSON.stringify({ sql: `SELECT '${'x'.repeat(1024 * 1024 + 10)}'` }));
    expect(bigSql.status).toBe(400);
    const bigParam = await post(JSON.stringify({ sql: 'SELECT $1', params: ['y'.repeat(600 * 1024)] }));
    expect(bigParam.json.error.code).toBe('INVALID_PARAMETER');
    expect((await sql(server, token, 'SELECT 1 AS ok')).json.results[0].rows).toEqual([[1]]);
  });

  it('streams a body over the limit without a Content-Length and gets 413', async () => {
    const url = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: '/v1/api/sql', method: 'POST', headers: { authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e) => (/(EPIPE|ECONNRESET)/.test(String(e)) ? undefined : reject(e)));
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < 24 && req.write(chunk)) sent++;
        if (sent < 24) req.once('drain', () => { sent++; pump(); });
        else req.end();
      };
      req.write('{"sql":"');
      pump();
    });
    expect(status).toBe(413);
    expect((await sql(server, token, 'SELECT 2 AS ok')).status).toBe(200);
  });

  it('multipart and FILE uploads are refused with INVALID_INPUT', async () => {
    const r = await post('--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_INPUT');
  });

  it('unsupported statements and wrong methods', async () => {
    for (const s of ['SET ROLE postgres', 'RESET ROLE', `DO $$ BEGIN END $$`, 'COPY x FROM STDIN', 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql', 'TRUNCATE app.t']) {
      const r = await sql(server, token, s);
      expect(r.status, s).toBe(400);
      expect(r.json.error.code, s).toBe('INVALID_SQL');
    }
    const g = await request(server, 'GET', '/v1/api/sql', { token });
    expect(g.status).toBe(405);
  });

  it('malformed HTTP gets 400 from the parser without hurting the server', async () => {
    const url = new URL(server.url);
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(Number(url.port), url.hostname, () => s.write('GARBAGE / HTTP/9.9\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await sql(server, token, 'SELECT 3 AS ok')).status).toBe(200);
  });
});
