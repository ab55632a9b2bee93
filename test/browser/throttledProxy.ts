/**
 * An HTTP proxy in front of the dev server for browser upload tests: request bodies pass at a set
 * rate (so upload progress has time to show), and the bytes of every multipart request body are
 * counted as they arrive, an independent measure of what the browser sent
 * (`GET /__proxy/uploads`).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedUpload {
  readonly contentLength: number;
  bodyBytes: number;
  status: number;
}

export async function startThrottledProxy(upstream: string, bytesPerSecond: number): Promise<{ url: string; close(): Promise<void> }> {
  const uploads: ProxiedUpload[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/__proxy/uploads') {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': req.headers.origin ?? '*', 'cache-control': 'no-store' });
      res.end(JSON.stringify(uploads));
      return;
    }
    const record: ProxiedUpload = { contentLength: Number(req.headers['content-length'] ?? -1), bodyBytes: 0, status: 0 };
    if (req.method === 'POST' && /^multipart\//.test(req.headers['content-type'] ?? '')) uploads.push(record);
    const up = http.request(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      record.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      up.write(chunk);
      req.pause();
      setTimeout(() => req.resume(), (chunk.length / bytesPerSecond) * 1000);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
