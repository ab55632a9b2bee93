import type * as http from 'node:http';

/** Allowed origins: '*' (default: the dev server binds loopback) or an explicit list. */
export type CorsOrigins = '*' | readonly string[];

export function corsHeaders(req: http.IncomingMessage, allowed: CorsOrigins): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  if (allowed !== '*' && !allowed.includes(origin)) return undefined;
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': 'X-Request-ID',
    Vary: 'Origin',
  };
}

/** Answers an OPTIONS preflight. */
export function handlePreflight(req: http.IncomingMessage, res: http.ServerResponse, allowed: CorsOrigins): void {
  const headers = corsHeaders(req, allowed);
  if (headers === undefined) {
    res.writeHead(403, { 'Content-Type': 'text/plain', Vary: 'Origin' });
    res.end('Origin not allowed');
    return;
  }
  res.writeHead(204, {
    ...headers,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-ID',
    'Access-Control-Max-Age': '600',
    'Content-Length': '0',
  });
  res.end();
}
