import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer({ quiet: true, httpTimeouts: { headersMs: 1000, requestMs: 1500 } });
});
afterAll(() => server.close());

/** Opens a raw connection, writes `head`, then one byte of body every 200 ms; resolves with what the server answered and when. */
function trickle(head: string, bodyBytes: number): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(server.port, '127.0.0.1');
    let reply = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < bodyBytes && socket.writable) {
          socket.write('x');
          sent++;
        }
      }, 200);
    });
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ reply, ms: Date.now() - started });
    });
    setTimeout(() => reject(new Error('the server kept the trickling connection open for 15 s')), 15_000).unref();
  });
}

describe('HTTP time limits', () => {
  it('a body that trickles in is cut at the request timeout (408), not after a minute', async () => {
    const { reply, ms } = await trickle(
      `POST /v1/api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      1000,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(6000);
  });

  it('headers that never finish are cut at the headers timeout', async () => {
    const { ms } = await trickle('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 1000);
    expect(ms).toBeLessThan(6000);
  });
});
