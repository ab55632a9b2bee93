// KalamDB wire rows → neutral rows, columns and changes (docs/SPEC.md §3.2, §7 mapping table).
import { describe, expect, test } from 'vitest';
import type { Column, LoadKind, Row, RowChange, RowSink } from '../../src/protocol/driver.js';
import { kalamFeed } from '../../src/protocol/kalamdb/KalamFeed.js';
import type { SchemaField } from '../../src/protocol/kalamdb/messages.js';

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

const field = (name: string, index: number, flags: string[] = []): SchemaField => ({ name, dataType: 'Text', index, flags });
const schema = [field('id', 0, ['pk', 'nn']), field('body', 1), field('note', 2), field('_seq', 3), field('_deleted', 4)];

describe('KalamFeed', () => {
  test('ack schema → columns without system columns, pk flags as Column.pk', () => {
    const { sink, calls } = recorder();
    kalamFeed(sink, undefined, false).onAck(schema, 'initial');
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
    kalamFeed(live.sink, undefined, false).onPage(rows, true, 'initial');
    expect(live.calls.pages).toEqual([{ rows: [{ id: '1', body: 'a' }, { id: '2', body: 'b' }], last: true, kind: 'initial', cursors: undefined }]);
    const only = recorder();
    kalamFeed(only.sink, undefined, true).onPage(rows, true, 'resume');
    expect(only.calls.pages[0]?.cursors).toEqual([5n, 6n]);
  });

  test('insert, update (completed to the schema), delete and TTL expiry map onto RowChange', () => {
    const { sink, calls } = recorder();
    const feed = kalamFeed(sink, undefined, false);
    feed.onAck(schema, 'initial');
    feed.onChange('insert', [{ id: '1', body: 'a', _seq: '7' }], [], 7n);
    feed.onChange('update', [{ id: '1', body: 'b', _seq: '8' }], [{ id: '1', note: 'x', _seq: '7' }], 8n);
    feed.onChange('delete', [], [{ id: '1', body: 'b', note: null, _seq: '9', _deleted: true }], 9n);
    feed.onChange('delete', [], [{ row_id: 42 }], undefined);
    expect(calls.changes).toEqual([
      { type: 'insert', row: { id: '1', body: 'a' }, cursor: 7n },
      { type: 'update', row: { id: '1', body: 'b', note: null }, nulled: [], old: { id: '1', note: 'x' }, cursor: 8n },
      { type: 'delete', row: { id: '1', body: 'b', note: null }, cursor: 9n },
      { type: 'expire', rowId: 42 },
    ]);
  });

  test('without a schema, an update is a patch whose changed-to-NULL columns are `nulled` (K§6.4)', () => {
    const { sink, calls } = recorder();
    const feed = kalamFeed(sink, undefined, false);
    feed.onAck([], 'initial');
    feed.onChange('update', [{ id: '1', body: 'b', _seq: '8' }], [{ id: '1', body: 'a', note: 'x', _seq: '7' }], 8n);
    expect(calls.changes).toEqual([{ type: 'update', row: { id: '1', body: 'b' }, nulled: ['note'], old: { id: '1', body: 'a', note: 'x' }, cursor: 8n }]);
  });
});
