/**
 * USER tables (spec §7.6): with a second user's rows present — including rows with the same primary
 * key values — a subscription's initial load, its resume (`from`: changed rows, tombstones and
 * rows that moved out of the filter during the outage) and its live changes carry only the
 * subscriber's own rows.
 */
import { describe, expect, it } from 'vitest';
import { perFileAliceHarness, type WsHarness } from './wsHarness.js';
import { loadRows, RowView, WsTestClient, type ServerMessage } from './wsTestClient.js';

let h: WsHarness;
let aliceToken: string;
const alice = { id: 'alice', role: 'user' as const };
const bob = { id: 'bob', role: 'user' as const };

perFileAliceHarness((harness, token) => {
  h = harness;
  aliceToken = token;
});

/** Every row value (rows and old_values) of the messages. */
function rowsOf(messages: readonly ServerMessage[]): Record<string, unknown>[] {
  return messages.flatMap((m) => [...(m.rows ?? []), ...(m.old_values ?? [])]);
}

/** Rows of alice: names start 'alice-'; bob's start 'bob-'. Bob also has ids 100+ that alice never has. */
function expectOnlyAlice(messages: readonly ServerMessage[]): void {
  for (const r of rowsOf(messages)) {
    if ('name' in r && r['name'] !== null) expect(String(r['name']), JSON.stringify(r)).toMatch(/^alice-/);
    expect(Number(r['id']), JSON.stringify(r)).toBeLessThan(100);
  }
}

async function seed(table: string): Promise<void> {
  await h.sql({ id: 'root', role: 'system' }, `CREATE USER TABLE app.${table} (id BIGINT PRIMARY KEY, name TEXT, qty INT)`);
  // Same ids 1..12 for both users, plus bob-only ids 100..111.
  const rows = (who: string, ids: number[]): string => ids.map((i) => `(${i}, '${who}-${i}', ${i % 4})`).join(', ');
  const ids = Array.from({ length: 12 }, (_, i) => i + 1);
  await h.sql(bob, `INSERT INTO app.${table} (id, name, qty) VALUES ${rows('bob', ids)}, ${rows('bob', ids.map((i) => i + 99))}`);
  await h.sql(alice, `INSERT INTO app.${table} (id, name, qty) VALUES ${rows('alice', ids)}`);
}

describe('USER table subscriptions never carry another user’s rows', () => {
  it('initial load (paged, with and without a filter) holds only the subscriber’s rows', async () => {
    await seed('iso_load');
    const c = await WsTestClient.authed(h.url, aliceToken);
    c.send({ type: 'subscribe', subscription: { id: 'all', sql: 'SELECT * FROM app.iso_load', options: { batch_size: 5 } } });
    const all = await c.load('all');
    expect(all.pages.length).toBeGreaterThan(1);
    expect(all.rows.map((r) => r['id']).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    expectOnlyAlice([all.ack, ...all.pages]);
    c.send({ type: 'subscribe', subscription: { id: 'f', sql: 'SELECT id, name FROM app.iso_load WHERE qty >= 2', options: { batch_size: 2 } } });
    const f = await c.load('f');
    expect(f.rows).toHaveLength(6);
    expectOnlyAlice(f.pages);
    c.send({ type: 'subscribe', subscription: { id: 'last', sql: 'SELECT id, name FROM app.iso_load', options: { last_rows: 3 } } });
    const last = await c.load('last');
    expect(last.rows).toHaveLength(3);
    expectOnlyAlice(last.pages);

    // Live: bob's change first, then alice's — the first change alice gets is hers.
    await h.sql(bob, "INSERT INTO app.iso_load (id, name, qty) VALUES (13, 'bob-13', 3)");
    await h.sql(alice, "INSERT INTO app.iso_load (id, name, qty) VALUES (13, 'alice-13', 3)");
    for (const id of ['all', 'f', 'last']) {
      expect(await c.next((m) => m.type === 'change' && m.subscription_id === id)).toMatchObject({ change_type: 'insert', rows: [{ id: '13', name: 'alice-13' }] });
    }
    expectOnlyAlice(c.pending());
    c.close();
  });

  it('resume after an outage in which both users changed rows with the same ids holds only the subscriber’s rows', async () => {
    await seed('iso_res');
    const sql = 'SELECT id, name, qty FROM app.iso_res WHERE qty >= 1';
    const c = await WsTestClient.authed(h.url, aliceToken);
    c.send({ type: 'subscribe', subscription: { id: 'r', sql, options: {} } });
    const view = new RowView('id');
    const first = await c.load('r');
    for (const p of first.pages) view.apply(p);
    expectOnlyAlice(first.pages);
    c.socket.terminate();
    await c.closed;

    // The outage. Bob: deletes ids alice also has, moves one out of the filter, updates and inserts.
    await h.sql(bob, 'DELETE FROM app.iso_res WHERE id IN (1, 2, 101)');
    await h.sql(bob, 'UPDATE app.iso_res SET qty = 0 WHERE id IN (3, 102)');
    await h.sql(bob, "UPDATE app.iso_res SET name = 'bob-upd' WHERE id IN (5, 103)");
    await h.sql(bob, "INSERT INTO app.iso_res (id, name, qty) VALUES (20, 'bob-20', 2), (120, 'bob-120', 2)");
    // Alice: one update and one delete of her own, so the resume is not empty.
    await h.sql(alice, "UPDATE app.iso_res SET name = 'alice-6-upd' WHERE id = 6");
    await h.sql(alice, 'DELETE FROM app.iso_res WHERE id = 7');

    const d = await WsTestClient.authed(h.url, aliceToken);
    d.send(`{"type":"subscribe","subscription":{"id":"r","sql":${JSON.stringify(sql)},"options":{"from":${view.checkpoint},"batch_size":1}}}`);
    await d.next((m) => m.type === 'subscription_ack');
    let page = await d.next((m) => m.type === 'initial_data_batch');
    // Bob keeps writing while alice's resumed load pages.
    await h.sql(bob, "UPDATE app.iso_res SET name = 'bob-paging' WHERE id IN (6, 9, 104)");
    while (page.batch_control?.has_more) {
      d.send(`{"type":"next_batch","subscription_id":"r","last_seq_id":${page.batch_control.last_seq_id}}`);
      page = await d.next((m) => m.type === 'initial_data_batch');
    }
    // A marker change of alice's: everything the server sends for the outage precedes it.
    await h.sql(alice, "INSERT INTO app.iso_res (id, name, qty) VALUES (50, 'alice-50', 1)");
    await d.next((m) => m.type === 'change' && m.rows?.[0]?.['id'] === '50');
    const resumed = d.received.map((r) => r.msg);
    expectOnlyAlice(resumed);
    // Alice's own outage changes did arrive (the resume was not vacuous): her update and her delete.
    expect(rowsOf(resumed)).toContainEqual(expect.objectContaining({ id: '6', name: 'alice-6-upd' }));
    expect(resumed.some((m) => m.type === 'change' && m.change_type === 'delete' && m.old_values?.[0]?.['id'] === '7')).toBe(true);
    // No delete for ids only bob deleted or moved out (1, 2, 3). (Alice's own row 12, out of the filter
    // and newer than the checkpoint, may get a harmless delete: the resume cannot know she never held it.)
    const deletes = resumed.filter((m) => m.type === 'change' && m.change_type === 'delete');
    for (const m of deletes) expect(String(m.old_values?.[0]?.['name']), JSON.stringify(m)).toMatch(/^alice-/);
    const deleted = deletes.map((m) => m.old_values?.[0]?.['id']);
    expect(deleted).toContain('7');
    for (const id of ['1', '2', '3']) expect(deleted).not.toContain(id);
    for (const m of resumed) view.apply(m);
    expect(view.snapshot()).toEqual(await loadRows(h.url, aliceToken, sql));
    expect(view.snapshot().map((r) => r['id'])).toEqual(expect.arrayContaining(['1', '2', '3', '5']));
    d.close();
  });
});
