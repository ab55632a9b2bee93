/**
 * The minimal WebSocket surface the connection uses: the browser API, which `ws` also implements.
 * Node 20 has no global WebSocket, so the connection loads `ws` (WS_MODULE) with a dynamic import
 * only when needed (no top-level Node import keeps the core browser-safe). `createClient({ WebSocket })`
 * overrides both.
 */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => SocketLike;

/** The module of `ws` (a dependency, v8, which exports `WebSocket`), kept in a variable so bundlers leave its import alone. */
export const WS_MODULE: string = 'ws';
