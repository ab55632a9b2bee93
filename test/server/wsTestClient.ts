/**
 * A tiny raw `ws` client for tests: gunzips binary frames, parses `batch_control` SeqIds losslessly
 * (as bigint), and lets tests await messages and the close event without fixed sleeps.
 */
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';

export interface ServerMessage {
  readonly type: string;
  readonly subscription_id?: string;
  readonly batch_control?: { batch_num: number; has_more: boolean; status: string; last_seq_id: bigint | null; snapshot_end_seq: bigint | null };
  readonly rows?: Record<string, unknown>[];
  readonly old_values?: Record<string, unknown>[];
  readonly change_type?: string;
  readonly code?: string;
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface Received {
  readonly msg: ServerMessage;
  readonly binary: boolean;
  readonly text: string;
}

/** JSON text → message with batch_control integers as bigint. */
export function parseServerJson(text: string): ServerMessage {
  const patched = text.replace(/"(last_seq_id|snapshot_end_seq)":(-?\d+)/g, '"$1":"$2"');
  const msg = JSON.parse(patched) as ServerMessage & { batch_control?: Record<string, unknown> };
  const bc = msg.batch_control;
  if (bc) {
    for (const k of ['last_seq_id', 'snapshot_end_seq']) if (typeof bc[k] === 'string') bc[k] = BigInt(bc[k] as string);
  }
  return msg;
}

export class WsTestClient {
  readonly received: Received[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  closeInfo: { code: number; reason: string } | undefined;

  constructor(
    readonly socket: WebSocket,
  ) {
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer, isBinary) => {
      const text = isBinary ? gunzipSync(data).toString('utf8') : data.toString('utf8');
      this.received.push({ msg: parseServerJson(text), binary: isBinary, text });
      this.wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<WsTestClient> {
    const c = new WsTestClient(new WebSocket(url, { headers }));
    await c.opened;
    return c;
  }

  /** Connects and authenticates with a message; resolves after auth_success. */
  static async authed(url: string, token: string): Promise<WsTestClient> {
    const c = await WsTestClient.connect(url);
    c.send({ type: 'authenticate', method: 'jwt', token, protocol: { serialization: 'json', compression: 'gzip' } });
    await c.next((m) => m.type === 'auth_success');
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(msg: unknown): void {
    this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Messages not yet consumed by next(). */
  pending(): ServerMessage[] {
    return this.received.slice(this.cursor).map((r) => r.msg);
  }

  /** The next unconsumed message (skipping none); with `pred`, the first unconsumed match (earlier ones stay). */
  async next(pred: (m: ServerMessage) => boolean = () => true, timeoutMs = 10_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.received.length; i++) {
        const r = this.received[i];
        if (r && pred(r.msg)) {
          this.received.splice(i, 1);
          this.received.splice(this.cursor, 0, r);
          this.cursor++;
          return r.msg;
        }
      }
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting; pending: ${JSON.stringify(this.pending().map((m) => m.type))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a message; pending: ${JSON.stringify(this.pending().map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until `pred` holds over everything received so far. */
  async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Pages a subscription's initial load to `ready` (sending next_batch), returning every row. */
  async load(id: string): Promise<{ ack: ServerMessage; rows: Record<string, unknown>[]; pages: ServerMessage[] }> {
    const ack = await this.next((m) => m.subscription_id === id && (m.type === 'subscription_ack' || m.type === 'error'));
    if (ack.type === 'error') throw new Error(`subscribe failed: ${ack.code} ${ack.message}`);
    const pages: ServerMessage[] = [];
    const rows: Record<string, unknown>[] = [];
    for (;;) {
      const page = await this.next((m) => m.subscription_id === id && m.type === 'initial_data_batch');
      pages.push(page);
      rows.push(...(page.rows ?? []));
      if (!page.batch_control?.has_more) return { ack, rows, pages };
      this.send(`{"type":"next_batch","subscription_id":${JSON.stringify(id)},"last_seq_id":${page.batch_control.last_seq_id}}`);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A client-side live view: applies pages and changes per spec §6.4, keyed by `key`. */
export class RowView {
  readonly rows = new Map<string, Record<string, unknown>>();
  checkpoint = 0n;
  constructor(private readonly key: string) {}

  apply(m: ServerMessage): void {
    const bump = (r: Record<string, unknown> | undefined): void => {
      const s = r?.['_seq'];
      if (typeof s === 'string' && BigInt(s) > this.checkpoint) this.checkpoint = BigInt(s);
    };
    if (m.type === 'initial_data_batch') for (const r of m.rows ?? []) this.upsert(r), bump(r);
    if (m.type !== 'change') return;
    const row = m.rows?.[0];
    const old = m.old_values?.[0];
    bump(row);
    bump(old);
    if (m.change_type === 'insert' && row) this.upsert(row);
    if (m.change_type === 'delete' && old) this.rows.delete(String(old[this.key]));
    if (m.change_type === 'update' && row) {
      const k = String(row[this.key]);
      const merged: Record<string, unknown> = { ...(this.rows.get(k) ?? {}), ...row };
      for (const c of Object.keys(old ?? {})) if (c !== this.key && !c.startsWith('_') && !(c in row)) merged[c] = null;
      this.rows.set(k, merged);
    }
  }

  private upsert(r: Record<string, unknown>): void {
    this.rows.set(String(r[this.key]), { ...r });
  }

  /** Rows without system columns, sorted by key. */
  snapshot(): Record<string, unknown>[] {
    return [...this.rows.values()]
      .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_'))))
      .sort((a, b) => String(a[this.key]).localeCompare(String(b[this.key]), 'en', { numeric: true }));
  }
}

/** The rows a fresh subscription to `sql` loads (re-running the query over /v1/ws), keyed by `id`. */
export async function loadRows(url: string, token: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = await WsTestClient.authed(url, token);
  c.send({ type: 'subscribe', subscription: { id: 'fresh', sql, options: {} } });
  const view = new RowView('id');
  for (const p of (await c.load('fresh')).pages) view.apply(p);
  c.close();
  return view.snapshot();
}
