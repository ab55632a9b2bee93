import { describe, expect, it } from 'vitest';
import { perFileAliceHarness, ROOT, type WsHarness } from './wsHarness.js';
import { loadRows, RowView, WsTestClient, type ServerMessage } from './wsTestClient.js';

let h: WsHarness;
let token: string;
const alice = { id: 'alice', role: 'user' as const };

async function table(name: string, rows: number): Promise<void> {
  await h.sql(ROOT, `CREATE USER TABLE app.${name} (id BIGINT PRIMARY KEY, name TEXT, qty INT)`);
  for (let start = 1; start <= rows; start += 500) {
    const values: string[] = [];
    for (let i = start; i < Math.min(start + 500, rows + 1); i++) values.push(`(${i}, 'n${i}', ${i % 20})`);
    await h.sql(alice, `INSERT INTO app.${name} (id, name, qty) VALUES ${values.join(', ')}`);
  }
}

const fresh = (sql: string): Promise<Record<string, unknown>[]> => loadRows(h.url, token, sql);

perFileAliceHarness((harness, aliceToken) => {
  h = harness;
  token = aliceToken;
});

describe('initial load (§7.1)', () => {
  it('pages 1,000 rows with batch_size 10 through next_batch', async () => {
    await table('paged', 1000);
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'p', sql: 'SELECT id, name FROM app.paged', options: { batch_size: 10 } } });
    const { ack, rows, pages } = await c.load('p');
    expect(ack.batch_control).toEqual(pages[0]?.batch_control);
    expect(pages).toHaveLength(100);
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r['id'])).size).toBe(1000);
    const bound = pages[0]?.batch_control?.snapshot_end_seq;
    expect(typeof bound).toBe('bigint');
    let prev = 0n;
    pages.forEach((p, i) => {
      const bc = p.batch_control!;
      expect(bc.batch_num).toBe(i);
      expect(bc.status).toBe(i === 99 ? 'ready' : i === 0 ? 'loading' : 'loading_batch');
      expect(bc.has_more).toBe(i !== 99);
      expect(bc.snapshot_end_seq).toBe(bound);
      const seqs = (p.rows ?? []).map((r) => BigInt(r['_seq'] as string));
      for (const s of seqs) {
        expect(s > prev).toBe(true);
        prev = s;
      }
      expect(bc.last_seq_id).toBe(seqs[seqs.length - 1]);
    });
    expect(prev <= (bound as bigint)).toBe(true);
    c.close();
  });

  it('last_rows: the N newest ascending, then an empty ready page; last_rows 0 is ready at once', async () => {
    await table('tail', 30);
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 't', sql: 'SELECT id FROM app.tail', options: { last_rows: 5 } } });
    const { rows, pages } = await c.load('t');
    expect(rows.map((r) => r['id'])).toEqual(['26', '27', '28', '29', '30']);
    expect(pages).toHaveLength(2);
    expect(pages[1]).toMatchObject({ rows: [], batch_control: { batch_num: 1, has_more: false, status: 'ready', last_seq_id: null } });
    c.send({ type: 'subscribe', subscription: { id: 'z', sql: 'SELECT id FROM app.tail', options: { last_rows: 0 } } });
    const zero = await c.load('z');
    expect(zero.ack.batch_control).toMatchObject({ status: 'ready', has_more: false, last_seq_id: null });
    expect(zero.rows).toEqual([]);
    c.close();
  });

  it('from / from_seq_id: never a row with _seq <= from', async () => {
    const all = await WsTestClient.authed(h.url, token);
    all.send({ type: 'subscribe', subscription: { id: 'a', sql: 'SELECT id FROM app.tail', options: {} } });
    const { rows } = await all.load('a');
    const cut = rows[19]?.['_seq'] as string;
    for (const key of ['from', 'from_seq_id']) {
      all.send(`{"type":"subscribe","subscription":{"id":"${key}","sql":"SELECT id FROM app.tail","options":{"${key}":${cut},"batch_size":3}}}`);
      const r = await all.load(key);
      expect(r.rows.map((x) => x['id'])).toEqual(rows.slice(20).map((x) => x['id']));
    }
    all.close();
  });

  it('no options: live only, no initial_data_batch', async () => {
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'l', sql: 'SELECT id FROM app.tail', options: null } });
    expect(await c.next()).toMatchObject({ type: 'subscription_ack', batch_control: { status: 'ready' } });
    await h.sql(alice, "INSERT INTO app.tail (id, name, qty) VALUES (31, 'x', 1)");
    expect(await c.next()).toMatchObject({ type: 'change', change_type: 'insert', rows: [{ id: '31' }] });
    c.close();
  });
});

describe('changes during a paged load (§7.2)', () => {
  it('holds back changes after the bound, flushes them in order after the last page, and the view converges', async () => {
    await table('busy', 100);
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'b', sql: 'SELECT id, name, qty FROM app.busy WHERE qty < 15', options: { batch_size: 10 } } });
    const view = new RowView('id');
    expect((await c.next()).type).toBe('subscription_ack');
    const first = await c.next();
    expect(first.type).toBe('initial_data_batch');
    view.apply(first);
    const sent = new Set((first.rows ?? []).map((r) => r['id']));
    expect(sent.has('1')).toBe(true);
    expect(sent.has('90')).toBe(false);
    await h.sql(alice, "UPDATE app.busy SET name = 'sent-updated' WHERE id = 1"); // sent in page 0
    await h.sql(alice, "UPDATE app.busy SET name = 'unsent-updated' WHERE id = 90"); // not sent yet
    await h.sql(alice, 'DELETE FROM app.busy WHERE id = 85'); // not sent yet
    await h.sql(alice, "UPDATE app.busy SET qty = 19 WHERE id = 2"); // moves out (was sent)
    await h.sql(alice, "INSERT INTO app.busy (id, name, qty) VALUES (500, 'new', 1)");
    let page: ServerMessage = first;
    const order: string[] = [];
    while (page.batch_control?.has_more) {
      c.send(`{"type":"next_batch","subscription_id":"b","last_seq_id":${page.batch_control.last_seq_id}}`);
      page = await c.next((m) => m.subscription_id === 'b');
      order.push(page.type);
      view.apply(page);
    }
    expect(order.every((t) => t === 'initial_data_batch')).toBe(true);
    const changes: ServerMessage[] = [];
    await c.until(() => c.pending().length >= 4);
    for (const m of c.pending()) changes.push(m), view.apply(m);
    expect(changes.map((m) => [m.change_type, m.rows?.[0]?.['id'] ?? m.old_values?.[0]?.['id']])).toEqual([
      ['update', '1'],
      ['insert', '90'], // updated after the bound before its page: the full row
      ['delete', '2'],
      ['insert', '500'],
    ]);
    const seqs = changes.map((m) => BigInt((m.rows?.[0] ?? m.old_values?.[0])?.['_seq'] as string));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(view.rows.get('90')).toMatchObject({ id: '90', name: 'unsent-updated', qty: 10 });
    expect(view.snapshot()).toEqual(await fresh('SELECT id, name, qty FROM app.busy WHERE qty < 15'));
    c.close();
  });
});

describe('read-ahead of the next page', () => {
  it('a row changed after its page was read ahead converges; next_batch with another last_seq_id gets that page', async () => {
    await table('ahead', 30);
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'a', sql: 'SELECT id, name, qty FROM app.ahead', options: { batch_size: 10 } } });
    const view = new RowView('id');
    expect((await c.next()).type).toBe('subscription_ack');
    const first = await c.next();
    view.apply(first);
    // Page 1 (ids 11..20) is read ahead once page 0 is sent: change rows in it before asking for it.
    await h.sql(alice, "UPDATE app.ahead SET name = 'changed' WHERE id = 12");
    await h.sql(alice, 'DELETE FROM app.ahead WHERE id = 13');
    c.send(`{"type":"next_batch","subscription_id":"a","last_seq_id":${first.batch_control!.last_seq_id}}`);
    let page = await c.next((m) => m.subscription_id === 'a');
    view.apply(page);
    expect(page.rows?.map((r) => r['id'])).toEqual(['11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
    // Not the page that was read ahead: the one after the SeqId the client names.
    const mid = page.rows![4]!['_seq'] as string;
    c.send(`{"type":"next_batch","subscription_id":"a","last_seq_id":${mid}}`);
    page = await c.next((m) => m.subscription_id === 'a');
    expect(page.rows?.map((r) => r['id'])).toEqual(['16', '17', '18', '19', '20', '21', '22', '23', '24', '25']);
    view.apply(page);
    while (page.batch_control?.has_more) {
      c.send(`{"type":"next_batch","subscription_id":"a","last_seq_id":${page.batch_control.last_seq_id}}`);
      page = await c.next((m) => m.subscription_id === 'a');
      view.apply(page);
    }
    await c.until(() => c.pending().length >= 2);
    for (const m of c.pending()) view.apply(m);
    expect(view.rows.get('12')).toMatchObject({ name: 'changed' });
    expect(view.rows.has('13')).toBe(false);
    expect(view.snapshot()).toEqual(await fresh('SELECT id, name, qty FROM app.ahead'));
    c.close();
  });
});

describe('pages gzipped on the threadpool (≥ 64K chars of JSON)', () => {
  it('frames stay in order per socket, and rows changed in the page read and encoded ahead converge', async () => {
    await h.sql(ROOT, 'CREATE USER TABLE app.wide (id BIGINT PRIMARY KEY, name TEXT, qty INT)');
    for (let start = 1; start <= 400; start += 100) {
      const values = Array.from({ length: 100 }, (_, k) => `(${start + k}, '${'w'.repeat(900)}-${start + k}', ${(start + k) % 20})`);
      await h.sql(alice, `INSERT INTO app.wide (id, name, qty) VALUES ${values.join(', ')}`);
    }
    await table('narrow', 3);
    const c = await WsTestClient.authed(h.url, token);
    // Page 0 of `big` (100 rows of ~1 KB: gzipped off the event loop), then `small` (small frames, at once): in that order.
    c.send({ type: 'subscribe', subscription: { id: 'big', sql: 'SELECT id, name, qty FROM app.wide', options: { batch_size: 100 } } });
    c.send({ type: 'subscribe', subscription: { id: 'small', sql: 'SELECT id, name FROM app.narrow', options: {} } });
    await c.until(() => c.received.filter((r) => r.msg.subscription_id === 'small').length >= 2);
    const seen = c.received.filter((r) => r.msg.subscription_id !== undefined).map((r) => `${r.msg.type}:${r.msg.subscription_id}`);
    expect(seen).toEqual(['subscription_ack:big', 'initial_data_batch:big', 'subscription_ack:small', 'initial_data_batch:small']);
    const pageFrame = c.received.find((r) => r.msg.type === 'initial_data_batch' && r.msg.subscription_id === 'big')!;
    expect(pageFrame.binary).toBe(true);
    expect(pageFrame.text.length).toBeGreaterThan(64 * 1024);
    const view = new RowView('id');
    expect((await c.next((m) => m.subscription_id === 'big')).type).toBe('subscription_ack');
    let page = await c.next((m) => m.subscription_id === 'big');
    view.apply(page);
    // Page 1 (ids 101..200) is read and encoded ahead once page 0 is sent: change rows in it, and later ones, first.
    await h.sql(alice, "UPDATE app.wide SET name = 'changed' WHERE id = 150");
    await h.sql(alice, 'DELETE FROM app.wide WHERE id = 151');
    await h.sql(alice, "UPDATE app.wide SET qty = 99 WHERE id = 350");
    await h.sql(alice, "INSERT INTO app.wide (id, name, qty) VALUES (1000, 'new', 1)");
    while (page.batch_control?.has_more) {
      c.send(`{"type":"next_batch","subscription_id":"big","last_seq_id":${page.batch_control.last_seq_id}}`);
      page = await c.next((m) => m.subscription_id === 'big');
      expect(page.type).toBe('initial_data_batch');
      view.apply(page);
    }
    await c.until(() => c.pending().filter((m) => m.subscription_id === 'big').length >= 4);
    for (const m of c.pending()) if (m.subscription_id === 'big') view.apply(m);
    expect(view.rows.get('150')).toMatchObject({ name: 'changed' });
    expect(view.rows.has('151')).toBe(false);
    expect(view.rows.get('350')).toMatchObject({ qty: 99 });
    expect(view.rows.get('1000')).toMatchObject({ name: 'new' });
    expect(view.snapshot()).toEqual(await fresh('SELECT id, name, qty FROM app.wide'));
    c.close();
  });
});

describe('resume (§8.4, §12.3.2)', () => {
  it('after a cut socket, updates and deletes during the outage converge to a fresh SELECT', async () => {
    await table('res', 40);
    const sql = 'SELECT id, name, qty FROM app.res WHERE qty < 10';
    const c = await WsTestClient.authed(h.url, token);
    c.send({ type: 'subscribe', subscription: { id: 'r', sql, options: { batch_size: 7 } } });
    const view = new RowView('id');
    for (const p of (await c.load('r')).pages) view.apply(p);
    await h.sql(alice, "UPDATE app.res SET name = 'live' WHERE id = 3");
    view.apply(await c.next());
    c.socket.terminate();
    await c.closed;
    // Outage: insert, update, delete, move out, move in, delete + re-insert.
    await h.sql(alice, "INSERT INTO app.res (id, name, qty) VALUES (100, 'new', 1)");
    await h.sql(alice, "UPDATE app.res SET name = 'changed' WHERE id = 4");
    await h.sql(alice, 'DELETE FROM app.res WHERE id IN (5, 6)');
    await h.sql(alice, 'UPDATE app.res SET qty = 15 WHERE id = 7');
    await h.sql(alice, 'UPDATE app.res SET qty = 2 WHERE id = 12');
    await h.sql(alice, 'DELETE FROM app.res WHERE id = 8');
    await h.sql(alice, "INSERT INTO app.res (id, name, qty) VALUES (8, 'again', 8)");
    await h.sql(alice, 'DELETE FROM app.res WHERE id = 15'); // never matched: no delete needed
    const d = await WsTestClient.authed(h.url, token);
    d.send(`{"type":"subscribe","subscription":{"id":"r","sql":${JSON.stringify(sql)},"options":{"batch_size":7,"from":${view.checkpoint}}}}`);
    const { pages } = await d.load('r');
    for (const p of pages) {
      for (const r of p.rows ?? []) expect(BigInt(r['_seq'] as string) > view.checkpoint).toBe(true);
      view.apply(p);
    }
    await d.until(() => d.pending().length >= 3);
    const deletes = d.pending();
    expect(deletes.map((m) => m.change_type)).toEqual(['delete', 'delete', 'delete']);
    expect(deletes.map((m) => m.old_values?.[0]?.['id']).sort()).toEqual(['5', '6', '7']);
    for (const m of deletes) view.apply(m);
    expect(view.snapshot()).toEqual(await fresh(sql));
    d.close();
  });
});
