/**
 * The minimal WebSocket surface the connection uses: the browser API, which `ws` also implements.
 * Node 20 has no global WebSocket, so `ws` is loaded with a dynamic import only when needed
 * (no top-level Node import keeps the core browser-safe). `createClient({ WebSocket })` overrides both.
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

export async function resolveWebSocket(explicit: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  // A variable, so bundlers leave this import alone. `ws` (a dependency, v8) exports `WebSocket`.
  const specifier = 'ws';
  return (
    explicit ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
    ((await import(/* @vite-ignore */ specifier)) as { WebSocket: WebSocketConstructor }).WebSocket
  );
}
