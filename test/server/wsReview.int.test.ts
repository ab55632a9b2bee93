/**
 * Regression tests from the server review: live filters that could stall the process, and resumed
 * subscriptions that must converge to re-running the query.
 */
import { describe, expect, it } from 'vitest';
import { perFileAliceHarness, ROOT, type WsHarness } from './wsHarness.js';
import { loadRows, RowView, WsTestClient } from './wsTestClient.js';

let h: WsHarness;
let token: string;
const alice = { id: 'alice', role: 'user' as const };

const fresh = (sql: string): Promise<Record<string, unknown>[]> => loadRows(h.url, token, sql);

perFileAliceHarness((harness, aliceToken) => {
  h = harness;
  token = aliceToken;
});

describe('LIKE filters on live changes', () => {
  it('a pattern with many % does not stall the server (no exponential backtracking)', async () => {
    await h.sql(ROOT, 'CREATE USER TABLE app.likes (id BIGINT PRIMARY KEY, body TEXT)');
    const c = await WsTestClient.authed(h.url, token);
    const pattern = `${'%a'.repeat(12)}%b`;
    c.send({ type: 'subscribe', subscription: { id: 'l', sql: `SELECT id, body FROM app.likes WHERE body LIKE '${pattern}'`, options: null } });
    await c.next((m) => m.type === 'subscription_ack');
    const started = Date.now();
    await h.sql(alice, 'INSERT INTO app.likes (id, body) VALUES (1, $1), (2, $2)', ['a'.repeat(31), `${'a'.repeat(31)}b`]);
    const change = await c.next((m) => m.type === 'change');
    // A backtracking matcher takes minutes on this pattern; a linear one a few ms. The bound is loose
    // so a loaded machine cannot fail it.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(change).toMatchObject({ change_type: 'insert', rows: [{ id: '2' }] });
    c.close();
  });

  it('ILIKE folds case like PostgreSQL (load and live agree)', async () => {
    await h.sql(ROOT, 'CREATE USER TABLE app.ilikes (id BIGINT PRIMARY KEY, body TEXT)');
    const sql = "SELECT id, body FROM app.ilikes WHERE body ILIKE 's%'";
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'i', sql, options: null } });
    await c.next((m) => m.type === 'subscription_ack');
    // U+017F LATIN SMALL LETTER LONG S: JS case folding maps it to 's', PostgreSQL's lower() does not.
    await h.sql(alice, "INSERT INTO app.ilikes (id, body) VALUES (1, 'ſx'), (2, 'Sx'), (3, 'ÉS')");
    const view = new RowView('id');
    await c.until(() => c.pending().length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    for (const m of c.pending()) view.apply(m);
    expect(view.snapshot()).toEqual(await fresh(sql));
    c.close();
  });
});

describe('resume converges (§12.3.2)', () => {
  async function setup(name: string): Promise<{ sql: string; view: RowView }> {
    await h.sql(ROOT, `CREATE USER TABLE app.${name} (id BIGINT PRIMARY KEY, name TEXT, qty INT)`);
    const values = Array.from({ length: 20 }, (_, i) => `(${i + 1}, 'n${i + 1}', ${(i + 1) % 20})`).join(', ');
    await h.sql(alice, `INSERT INTO app.${name} (id, name, qty) VALUES ${values}`);
    const sql = `SELECT id, name, qty FROM app.${name} WHERE qty < 10`;
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'r', sql, options: {} } });
    const view = new RowView('id');
    for (const p of (await c.load('r')).pages) view.apply(p);
    expect(view.rows.has('9')).toBe(true);
    c.socket.terminate();
    await c.closed;
    return { sql, view };
  }

  it('a row that moved out of the filter and was then deleted during the outage gets a delete', async () => {
    const { sql, view } = await setup('res_out_del');
    await h.sql(alice, 'UPDATE app.res_out_del SET qty = 15 WHERE id = 9');
    await h.sql(alice, 'DELETE FROM app.res_out_del WHERE id = 9');
    const d = await WsTestClient.authed(h.url, token);
    d.send(`{"type":"subscribe","subscription":{"id":"r","sql":${JSON.stringify(sql)},"options":{"from":${view.checkpoint}}}}`);
    for (const p of (await d.load('r')).pages) view.apply(p);
    await d.until(() => d.pending().length >= 1, 3000).catch(() => undefined);
    for (const m of d.pending()) view.apply(m);
    expect(view.snapshot()).toEqual(await fresh(sql));
    d.close();
  });

  it('a row that moved out during the outage and changed again while the resumed load pages gets a delete', async () => {
    const { sql, view } = await setup('res_out_upd');
    await h.sql(alice, 'UPDATE app.res_out_upd SET qty = 15 WHERE id = 9');
    await h.sql(alice, 'UPDATE app.res_out_upd SET name = $1 WHERE id IN (1, 2, 3)', ['outage']);
    const d = await WsTestClient.authed(h.url, token);
    d.send(`{"type":"subscribe","subscription":{"id":"r","sql":${JSON.stringify(sql)},"options":{"from":${view.checkpoint},"batch_size":1}}}`);
    await d.next((m) => m.type === 'subscription_ack');
    let page = await d.next((m) => m.type === 'initial_data_batch');
    view.apply(page);
    expect(page.batch_control?.has_more).toBe(true);
    // After the bound is fixed, before the last page: still out of the filter.
    await h.sql(alice, "UPDATE app.res_out_upd SET name = 'still out' WHERE id = 9");
    while (page.batch_control?.has_more) {
      d.send(`{"type":"next_batch","subscription_id":"r","last_seq_id":${page.batch_control.last_seq_id}}`);
      page = await d.next((m) => m.type === 'initial_data_batch');
      view.apply(page);
    }
    await d.until(() => d.pending().length >= 1, 3000).catch(() => undefined);
    for (const m of d.pending()) view.apply(m);
    expect(view.snapshot()).toEqual(await fresh(sql));
    d.close();
  });
});
