/**
 * The minimal WebSocket surface the connection uses: the browser API, which `ws` also implements.
 * Node 20 has no global WebSocket, so `ws` is loaded with a dynamic import only when needed
 * (no top-level Node import keeps the core browser-safe).
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
  if (explicit) return explicit;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  const specifier = 'ws';
  const mod = (await import(/* @vite-ignore */ specifier)) as { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor };
  const ctor = mod.WebSocket ?? mod.default;
  if (!ctor) throw new Error('No WebSocket implementation: pass createClient({ WebSocket }) or install "ws".');
  return ctor;
}
