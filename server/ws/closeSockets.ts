/**
 * Shutdown of a WebSocket front end: wait for every socket to finish its close handshake, and
 * terminate the ones that do not within the grace period (both /v1/ws and the Phoenix endpoint).
 */
import type { WebSocket } from 'ws';

export const CLOSE_GRACE_MS = 2000;

export function awaitClosed(sockets: Iterable<WebSocket>, graceMs = CLOSE_GRACE_MS): Promise<void> {
  return Promise.all(
    [...sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          const timer = setTimeout(() => {
            ws.terminate();
            resolve();
          }, graceMs);
          timer.unref();
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  ).then(() => undefined);
}
