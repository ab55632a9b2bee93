/**
 * Test helpers for apps built on livebind: an in-process KalamDB-compatible dev server with
 * test-friendly defaults (free port, empty database, random JWT secret, no logging, auth rate
 * limit 1000/s so parallel test logins are not throttled).
 */
import { randomBytes } from 'node:crypto';
import { startDevServer as startServer, type DevServer, type DevServerOptions } from './devServer.js';

export type { DevServer, DevServerOptions, DevServerUser } from './devServer.js';

export function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  return startServer({ port: 0, seed: 'none', jwtSecret: randomBytes(32).toString('base64url'), quiet: true, authRateLimitPerSec: 1000, ...options });
}
