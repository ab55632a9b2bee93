// KalamDB wire rows → neutral rows, columns and changes (docs/SPEC.md §3.2, §7 mapping table), as a
// subscription's RowSink gets them from SubscriptionManager (wireRows.ts holds the rules).
import { describe, expect, test } from 'vitest';
import type { Column, ConnectionPort, LoadKind, Row, RowChange, RowSink } from '../../src/protocol/driver.js';
import type { SchemaField, ServerMessage, WireRow } from '../../src/protocol/kalamdb/messages.js';
import { createSubscriptionManager } from '../../src/protocol/kalamdb/SubscriptionManager.js';

function recorder() {
  const calls: { columns: Column[][]; pages: { rows: readonly Row[]; last: boolean; kind: LoadKind; cursors: readonly (bigint | undefined)[] | undefined }[]; changes: RowChange[] } = {
    columns: [],
    pages: [],
    changes: [],
  };
  const sink: RowSink = {
    onColumns: (columns) => void calls.columns.push([...columns]),
    onPage: (rows, last, kind, cursors) => void calls.pages.push({ rows, last, kind, cursors }),
    onReady: () => {},
    onChange: (change) => void calls.changes.push(change),
    onReconnecting: () => {},
    onError: () => {},
  };
  return { sink, calls };
}

const connection: ConnectionPort = { send: () => {}, unqueue: () => false, start: () => {}, isOpen: true, maxFrameBytes: 1 << 20, fatalError: undefined };
const batch = { hasMore: false, lastSeqId: undefined, snapshotEndSeq: undefined };

/** One subscription (`load`: liveRows; else changes only) fed server messages, as the session routes them. */
function subscription(sink: RowSink, load: boolean) {
  const manager = createSubscriptionManager(connection, 'seq');
  const id = manager.open({ sql: 'SELECT * FROM app.t', load }, sink).id!;
  const send = (message: ServerMessage): void => manager.onMessage(message);
  return {
    manager,
    ack: (schema: readonly SchemaField[]) => send({ type: 'subscription_ack', subscriptionId: id, schema, batch, totalRows: undefined }),
    page: (rows: readonly WireRow[]) => send({ type: 'initial_data_batch', subscriptionId: id, rows, batch }),
    change: (changeType: 'insert' | 'update' | 'delete', rows: readonly WireRow[], oldValues: readonly WireRow[]) =>
      send({ type: 'change', subscriptionId: id, changeType, rows, oldValues }),
  };
}

const field = (name: string, index: number, flags: string[] = []): SchemaField => ({ name, dataType: 'Text', index, flags });
const schema = [field('id', 0, ['pk', 'nn']), field('body', 1), field('note', 2), field('_seq', 3), field('_deleted', 4)];

describe('KalamDB rows through a subscription', () => {
  test('ack schema → columns without system columns, pk flags as Column.pk', () => {
    const { sink, calls } = recorder();
    subscription(sink, true).ack(schema);
    expect(calls.columns).toEqual([
      [
        { name: 'id', pk: true, type: 'Text' },
        { name: 'body', pk: false, type: 'Text' },
        { name: 'note', pk: false, type: 'Text' },
      ],
    ]);
  });

  test('pages drop system columns; a changes-only feed also gets each row _seq as its cursor', () => {
    const rows = [{ id: '1', body: 'a', _seq: '5', _deleted: false }, { id: '2', body: 'b', _seq: '6' }];
    const live = recorder();
    const loaded = subscription(live.sink, true);
    loaded.ack(schema);
    loaded.page(rows);
    expect(live.calls.pages).toEqual([{ rows: [{ id: '1', body: 'a' }, { id: '2', body: 'b' }], last: true, kind: 'initial', cursors: undefined }]);
    // A changes-only feed gets pages only when it resumes (from its checkpoint, here _seq 4).
    const only = recorder();
    const changes = subscription(only.sink, false);
    changes.ack(schema);
    changes.change('insert', [{ id: '0', _seq: '4' }], []);
    changes.manager.socketClosed();
    changes.ack(schema);
    changes.page(rows);
    expect(only.calls.pages).toEqual([{ rows: [{ id: '1', body: 'a' }, { id: '2', body: 'b' }], last: true, kind: 'resume', cursors: [5n, 6n] }]);
  });

  test('insert, update (completed to the schema), delete and TTL expiry map onto RowChange', () => {
    const { sink, calls } = recorder();
    const feed = subscription(sink, false);
    feed.ack(schema);
    feed.change('insert', [{ id: '1', body: 'a', _seq: '7' }], []);
    feed.change('update', [{ id: '1', body: 'b', _seq: '8' }], [{ id: '1', note: 'x', _seq: '7' }]);
    feed.change('delete', [], [{ id: '1', body: 'b', note: null, _seq: '9', _deleted: true }]);
    feed.change('delete', [], [{ row_id: 42 }]);
    expect(calls.changes).toEqual([
      { type: 'insert', row: { id: '1', body: 'a' }, cursor: 7n },
      { type: 'update', row: { id: '1', body: 'b', note: null }, nulled: [], old: { id: '1', note: 'x' }, cursor: 8n },
      { type: 'delete', row: { id: '1', body: 'b', note: null }, cursor: 9n },
      { type: 'expire', rowId: 42 },
    ]);
  });

  test('without a schema, an update is a patch whose changed-to-NULL columns are `nulled` (K§6.4)', () => {
    const { sink, calls } = recorder();
    const feed = subscription(sink, false);
    feed.ack([]);
    feed.change('update', [{ id: '1', body: 'b', _seq: '8' }], [{ id: '1', body: 'a', note: 'x', _seq: '7' }]);
    expect(calls.changes).toEqual([{ type: 'update', row: { id: '1', body: 'b' }, nulled: ['note'], old: { id: '1', body: 'a', note: 'x' }, cursor: 8n }]);
  });
});
