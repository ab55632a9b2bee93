/** A scriptable fake WebSocket for unit tests: records sent frames, lets the test open/close/deliver. */
import type { SocketLike } from '../../src/connection/socket.js';

export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  sent: string[] = [];
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static reset(): void {
    FakeSocket.instances = [];
  }

  static get last(): FakeSocket {
    const s = FakeSocket.instances[FakeSocket.instances.length - 1];
    if (!s) throw new Error('no socket created');
    return s;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }

  /** Parsed frames sent by the client. */
  get messages(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  deliver(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  deliverBinary(bytes: Uint8Array): void {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }

  /** Open and answer the authenticate message with auth_success. */
  accept(): void {
    this.open();
    this.deliver({ type: 'auth_success', user: 'alice', role: 'user', protocol: { serialization: 'json', compression: 'gzip' } });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}
