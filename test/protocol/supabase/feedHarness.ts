/**
 * A simulated Supabase project for feed tests: one table `public.items` (key `id`), a Phoenix side
 * that answers joins, confirms CDC and queues postgres_changes for joined feed topics (delivered
 * when the test says), and a /rest/v1 side whose reads answer from the table as of the call and
 * are released by the test (so writes can land between the read and its answer).
 */
import type { Column, LoadKind, Row, RowChange, RowSink } from '../../../src/protocol/driver.js';
import { rowMatches } from '../../../src/protocol/supabase/evaluateFilter.js';
import { parseFilterText } from '../../../src/protocol/supabase/postgresFilter.js';
import type { Frame } from '../../../src/protocol/supabase/seam.js';
import type { SupabaseDriver } from '../../../src/protocol/supabase/supabaseDriver.js';
import { FakeConnection, testDriver } from './fakePhoenix.js';
import type { Wire } from './fakePhoenix.js';

export interface Item extends Row {
  id: number;
  v: number;
}

interface Binding {
  event: string;
  filter?: string;
  id: number;
}

export class FakeProject {
  readonly table = new Map<number, Item>();
  readonly driver: SupabaseDriver;
  readonly conn: FakeConnection;
  /** Changes waiting to reach the client (lost when the socket drops). */
  readonly outbox: Wire[] = [];
  /** REST reads waiting to be answered. */
  readonly reads: (() => void)[] = [];
  private topics = new Map<string, { joinRef: string; bindings: Binding[] }>();
  autoConfirm = true;

  constructor(options: Parameters<typeof testDriver>[0] = {}) {
    this.driver = testDriver({
      ...options,
      fetch: async (url: string) => {
        const parsed = new URL(url);
        const filters = [...parsed.searchParams.entries()].filter(([k]) => !['select', 'order', 'limit', 'offset'].includes(k)).map(([k, v]) => `${k}=${v}`);
        const filter = parseFilterText(filters.join(',')) ?? [];
        const limit = Number(parsed.searchParams.get('limit') ?? Infinity);
        const rows = [...this.table.values()].filter((r) => rowMatches(r, filter)).sort((a, b) => a.id - b.id).slice(0, limit).map((r) => ({ ...r }));
        await new Promise<void>((resolve) => this.reads.push(resolve));
        return { status: 200, text: async () => JSON.stringify(rows) };
      },
    }).driver;
    this.conn = new FakeConnection(this.driver, (_conn, frame) => this.onFrame(frame));
  }

  private onFrame(frame: Frame): void {
    if (typeof frame !== 'string') return;
    const [joinRef, ref, topic, event, payload] = JSON.parse(frame) as Wire;
    if (event === 'phx_join') {
      const wanted = ((payload['config'] as { postgres_changes: { event: string; filter?: string }[] }).postgres_changes ?? []).map((b, i) => ({ ...b, id: 100 + i }));
      this.topics.set(topic, { joinRef: joinRef!, bindings: wanted });
      queueMicrotask(() => {
        this.conn.deliver([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: { postgres_changes: wanted.map((b) => ({ ...b, schema: 'public', table: 'items' })) } }]);
        if (this.autoConfirm) this.confirm(topic);
      });
    } else if (event === 'phx_leave') this.topics.delete(topic);
  }

  confirm(topic: string): void {
    const t = this.topics.get(topic);
    if (t) this.conn.deliver([t.joinRef, null, topic, 'system', { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: topic }]);
  }

  write(kind: 'insert' | 'update' | 'delete', id: number, v: number): void {
    const before = this.table.get(id);
    if (kind === 'insert' && before) kind = 'update';
    if (kind !== 'insert' && !before) return;
    const after = kind === 'delete' ? undefined : { id, v };
    if (after) this.table.set(id, after);
    else this.table.delete(id);
    const type = kind.toUpperCase();
    for (const [topic, t] of this.topics) {
      const ids = t.bindings
        .filter((b) => (b.event === '*' || b.event === type) && (b.filter === undefined || (after !== undefined && rowMatches(after, parseFilterText(b.filter) ?? []))))
        .map((b) => b.id);
      if (ids.length === 0) continue;
      const data: Record<string, unknown> = { schema: 'public', table: 'items', type, commit_timestamp: '2026-01-01T00:00:00.000Z', columns: [{ name: 'id', type: 'int4' }, { name: 'v', type: 'int4' }], errors: null };
      if (after) data['record'] = { id: String(after.id), v: String(after.v) }; // string cells, converted by type
      if (kind !== 'insert') data['old_record'] = { id };
      this.outbox.push([null, null, topic, 'postgres_changes', { ids, data }]);
    }
  }

  deliverOne(): void {
    const next = this.outbox.shift();
    if (next) this.conn.deliver(next);
  }

  deliverAll(): void {
    while (this.outbox.length > 0) this.deliverOne();
  }

  answerRead(): void {
    this.reads.shift()?.();
  }

  drop(): void {
    this.outbox.length = 0;
    this.topics.clear();
    this.conn.drop();
  }
}

/** A RowSink that keeps the rows the way src/live would: pages replace at the last one, changes apply by key. */
export class RowModel implements RowSink {
  rows = new Map<number, Row>();
  private loading: Row[] = [];
  readonly log: string[] = [];
  error: unknown;
  onColumns(_columns: readonly Column[], kind: LoadKind): void {
    this.loading = [];
    this.log.push(`columns ${kind}`);
  }
  onPage(rows: readonly Row[], last: boolean, kind: LoadKind): void {
    this.loading.push(...rows);
    this.log.push(`page ${kind} ${rows.length}${last ? ' last' : ''}`);
    if (last) this.rows = new Map(this.loading.map((r) => [r['id'] as number, r]));
  }
  onReady(): void {
    this.log.push('ready');
  }
  onChange(change: RowChange): void {
    if (change.type === 'expire') return;
    this.log.push(`${change.type} ${String(change.row['id'])}`);
    const id = change.row['id'] as number;
    if (change.type === 'delete') this.rows.delete(id);
    else this.rows.set(id, { ...this.rows.get(id), ...change.row });
  }
  onReconnecting(): void {
    this.log.push('reconnecting');
  }
  onError(error: unknown): void {
    this.error = error;
    this.log.push('error');
  }
  sorted(): Row[] {
    return [...this.rows.values()].sort((a, b) => (a['id'] as number) - (b['id'] as number));
  }
}
