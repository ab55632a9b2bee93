import type * as http from 'node:http';

/**
 * Allowed browser origins:
 * - 'loopback' (default): pages served from localhost, 127.0.0.0/8 or [::1] on any port. A page on
 *   any other site cannot drive the dev server through the developer's browser (e.g. POST
 *   /v1/api/auth/setup, which trusts loopback callers).
 * - '*': every origin (only for a server you expose deliberately).
 * - a list of exact origins, e.g. ['https://app.example.com'].
 * Requests without an Origin header (non-browser clients) are not affected.
 */
export type CorsOrigins = 'loopback' | '*' | readonly string[];

export function isLoopbackOrigin(origin: string): boolean {
  let host: string;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    host = url.hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function originAllowed(origin: string, allowed: CorsOrigins): boolean {
  if (allowed === '*') return true;
  if (allowed === 'loopback') return isLoopbackOrigin(origin);
  return allowed.includes(origin);
}

export function corsHeaders(req: http.IncomingMessage, allowed: CorsOrigins): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  if (!originAllowed(origin, allowed)) return undefined;
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
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-ID, apikey, Accept-Profile, Content-Profile, Prefer, Range, X-Client-Info',
    'Access-Control-Max-Age': '600',
    'Content-Length': '0',
  });
  res.end();
}
