/**
 * A real livebind client (createClient, public API only) on an in-memory socket that plays the
 * KalamDB server's side of one subscription: auth_success, subscription_ack, initial pages on
 * `next_batch` (spec §7.1). After the load, `deliver(frame)` hands one raw text frame to the
 * client exactly as a socket would, so a benchmark can time frame → new `liveRows` snapshot:
 * decoding, subscription routing, row cleanup, materializer and the observable's emission.
 */
import { createClient } from '../src/index.js';
import type { LiveQueryOptions, LiveRows, LivebindClient, SocketLike, WebSocketConstructor } from '../src/index.js';

export interface SchemaField {
  readonly name: string;
  readonly dataType: string;
  readonly pk?: boolean;
}

export interface LoadedClient<Row> {
  /** Hand one text frame to the client; returns the snapshot current right after it. */
  deliver(frame: string): LiveRows<Row>;
  /** Snapshots the subscriber has seen so far. */
  readonly emissions: () => number;
  readonly subscriptionId: string;
  readonly current: () => LiveRows<Row>;
  close(): Promise<void>;
}

class MemorySocket implements SocketLike {
  /** The server side for the next socket (set before the client connects). */
  static serve: (socket: MemorySocket, message: Record<string, unknown>) => void = () => undefined;
  static current: MemorySocket | undefined;
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {
    MemorySocket.current = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    const message = JSON.parse(data) as Record<string, unknown>;
    queueMicrotask(() => MemorySocket.serve(this, message));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  deliver(frame: string): void {
    this.onmessage?.({ data: frame });
  }
}

/** SeqIds as the spec encodes them (bare JSON integers in batch_control). */
const seqText = (seq: bigint): string => seq.toString();

/**
 * Starts a client, subscribes `liveRows(sql, options)` and serves `rows` as the initial load in
 * pages of `pageSize`; resolves once the snapshot is `ready` with every row. Row `_seq`s are
 * 1..n; later frames should use higher ones (`firstFreeSeq`).
 */
export async function loadedClient<Row extends object>(
  rows: readonly Row[],
  schema: readonly SchemaField[],
  sql: string,
  options: LiveQueryOptions,
  pageSize = 1000,
): Promise<LoadedClient<Row> & { firstFreeSeq: bigint }> {
  const client: LivebindClient = createClient({
    url: 'http://127.0.0.1:1',
    auth: { token: 'bench-token' },
    WebSocket: MemorySocket as unknown as WebSocketConstructor,
    pingIntervalMs: 0,
  });
  const wireSchema = schema.map((f, index) => ({ name: f.name, data_type: f.dataType, index, flags: f.pk ? ['pk', 'nn'] : [] }));
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  const endSeq = BigInt(rows.length);
  let subscriptionId = '';
  const pageFrame = (page: number): string => {
    const slice = rows.slice(page * pageSize, (page + 1) * pageSize).map((r, i) => ({ ...r, _seq: String(page * pageSize + i + 1) }));
    const last = page === pages - 1;
    const lastSeq = BigInt(Math.min(rows.length, (page + 1) * pageSize));
    const control = `{"batch_num":${page},"has_more":${!last},"status":"${last ? 'ready' : 'loading'}","last_seq_id":${seqText(lastSeq)},"snapshot_end_seq":${seqText(endSeq)}}`;
    return `{"type":"initial_data_batch","subscription_id":${JSON.stringify(subscriptionId)},"rows":${JSON.stringify(slice)},"batch_control":${control}}`;
  };

  MemorySocket.serve = (socket, m) => {
    if (m['type'] === 'authenticate') {
      socket.deliver(JSON.stringify({ type: 'auth_success', user: 'bench', role: 'user', protocol: { serialization: 'json', compression: 'none' } }));
    } else if (m['type'] === 'subscribe') {
      subscriptionId = String((m['subscription'] as { id: string }).id);
      const control = `{"batch_num":0,"has_more":${pages > 1},"status":"${pages > 1 ? 'loading' : 'ready'}","last_seq_id":${seqText(BigInt(Math.min(rows.length, pageSize)))},"snapshot_end_seq":${seqText(endSeq)}}`;
      socket.deliver(`{"type":"subscription_ack","subscription_id":${JSON.stringify(subscriptionId)},"total_rows":${rows.length},"batch_control":${control},"schema":${JSON.stringify(wireSchema)}}`);
      socket.deliver(pageFrame(0));
    } else if (m['type'] === 'next_batch') {
      const lastSeq = BigInt(String(m['last_seq_id']));
      socket.deliver(pageFrame(Number(lastSeq / BigInt(pageSize))));
    }
  };
  const live = client.liveRows<Row>(sql, options);
  let emissions = 0;
  let latest: LiveRows<Row> | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    live.subscribe({
      next: (s) => {
        emissions++;
        latest = s;
        if (s.status === 'ready') resolve();
        if (s.status === 'error') reject(s.error);
      },
      error: reject,
    });
  });
  await ready;
  if (latest?.size !== rows.length) throw new Error(`loaded ${latest?.size} of ${rows.length} rows`);
  const socket = MemorySocket.current!;
  return {
    firstFreeSeq: endSeq + 1n,
    subscriptionId,
    emissions: () => emissions,
    current: () => latest!,
    deliver(frame) {
      socket.deliver(frame);
      return latest!;
    },
    close: () => client.close(),
  };
}
