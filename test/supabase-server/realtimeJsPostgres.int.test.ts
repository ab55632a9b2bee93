/**
 * postgres_changes with the real realtime-js (spec §3.8, §4, §8.2 flow 4), vsn 1.0.0 and 2.0.0:
 * INSERT/UPDATE/DELETE written through the HTTP SQL API, one binding per filter operator (eq,
 * neq, lt, lte, gt, gte, in), '*' vs one event, USER-table isolation, the payload shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPhoenix } from './rawPhoenix.js';
import { eventually, startRealtimeHarness, subscribed, VSNS, type RealtimeHarness } from './realtimeHarness.js';

let h: RealtimeHarness;
beforeAll(async () => {
  h = await startRealtimeHarness();
  await h.sql('admin', 'CREATE USER TABLE app.items (id BIGINT PRIMARY KEY, n INT, name TEXT, at TIMESTAMP)');
  await h.sql('admin', 'CREATE SHARED TABLE app.feed (id INT PRIMARY KEY, n INT)');
});
afterAll(async () => {
  await h.close();
});

const OPS = ['eq.5', 'neq.5', 'lt.5', 'lte.5', 'gt.5', 'gte.5', 'in.(1,5,9)'] as const;

describe.each(VSNS)('postgres_changes, vsn %s', (vsn) => {
  it('each operator fires for exactly the matching INSERT, UPDATE and DELETE of the token user’s own rows', async () => {
    const base = vsn === '1.0.0' ? 1000 : 2000;
    const channel = (await h.authed(vsn, h.tokens.alice)).channel(`pg-${vsn}`);
    const got: Record<string, string[]> = {};
    for (const op of OPS) {
      got[op] = [];
      channel.on('postgres_changes', { event: '*', schema: 'app', table: 'items', filter: `n=${op}` }, (p) => {
        const row = (p.eventType === 'DELETE' ? p.old : p.new) as { id: number };
        got[op]!.push(`${p.eventType}:${row.id - base}`);
      });
    }
    got['DELETE only'] = [];
    channel.on('postgres_changes', { event: 'DELETE', schema: 'app', table: 'items' }, (p) => got['DELETE only']!.push(`${p.eventType}:${(p.old as { id: number }).id - base}`));
    await subscribed(channel);
    // Bob writes the same ids with matching values into his own partition first: alice gets none of them.
    await h.sql('bob', `INSERT INTO app.items (id, n, name) VALUES (${base + 1}, 5, 'bob'), (${base + 2}, 1, 'bob')`);
    await h.sql('alice', `INSERT INTO app.items (id, n, name) VALUES (${base + 1}, 1, 'a'), (${base + 2}, 5, 'b'), (${base + 3}, 9, 'c')`);
    await h.sql('alice', `UPDATE app.items SET n = 4 WHERE id = ${base + 2}`);
    await h.sql('alice', `DELETE FROM app.items WHERE id = ${base + 3}`);
    const expected = {
      'eq.5': ['INSERT:2'],
      'neq.5': ['INSERT:1', 'INSERT:3', 'UPDATE:2', 'DELETE:3'],
      'lt.5': ['INSERT:1', 'UPDATE:2'],
      'lte.5': ['INSERT:1', 'INSERT:2', 'UPDATE:2'],
      'gt.5': ['INSERT:3', 'DELETE:3'],
      'gte.5': ['INSERT:2', 'INSERT:3', 'DELETE:3'],
      'in.(1,5,9)': ['INSERT:1', 'INSERT:2', 'INSERT:3', 'DELETE:3'],
      'DELETE only': ['DELETE:3'],
    };
    await eventually(() => expect(got).toEqual(expected));
  });

  it('a bad filter: the join succeeds, then a system error names it', async () => {
    const channel = (await h.authed(vsn, h.tokens.alice)).channel(`pg-bad-${vsn}`);
    const system: { status: string; message: string }[] = [];
    channel.on('system', {}, (p) => system.push(p));
    channel.on('postgres_changes', { event: '*', schema: 'app', table: 'items', filter: 'n=in.1,2' }, () => undefined);
    await subscribed(channel);
    await eventually(() => expect(system).toHaveLength(1));
    expect(system[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/^Error parsing `filter` params: in filter value must be wrapped by parentheses/) });
  });
});

describe('postgres_changes payload and access', () => {
  it('data has schema, table, commit_timestamp, type, pg column types, record and the primary key as old_record', async () => {
    const s = await rawPhoenix(`${h.server.url.replace('http:', 'ws:')}/realtime/v1/websocket?apikey=k&vsn=2.0.0`);
    s.send(['1', '1', 'realtime:shape', 'phx_join', { config: { postgres_changes: [{ event: '*', schema: 'app', table: 'items', filter: 'id=gte.3000' }] }, access_token: h.tokens.alice }]);
    const id = (await s.next((f) => f[1] === '1'))[4].response.postgres_changes[0].id;
    await s.next((f) => f[3] === 'system');
    await h.sql('alice', `INSERT INTO app.items (id, n, name, at) VALUES (3001, 7, 'x', '2026-01-02T03:04:05.678Z')`);
    await h.sql('alice', `UPDATE app.items SET name = 'y' WHERE id = 3001`);
    const insert = await s.next((f) => f[3] === 'postgres_changes' && f[4].data.type === 'INSERT');
    const update = await s.next((f) => f[3] === 'postgres_changes' && f[4].data.type === 'UPDATE');
    expect(insert.slice(0, 4)).toEqual([null, null, 'realtime:shape', 'postgres_changes']);
    expect(insert[4]).toEqual({
      ids: [id],
      data: {
        schema: 'app',
        table: 'items',
        commit_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        type: 'INSERT',
        columns: [
          { name: 'id', type: 'int8' },
          { name: 'n', type: 'int4' },
          { name: 'name', type: 'text' },
          { name: 'at', type: 'timestamptz' },
        ],
        record: { id: 3001, n: 7, name: 'x', at: '2026-01-02T03:04:05.678+00:00' },
        errors: null,
      },
    });
    expect(update[4].data.record.name).toBe('y');
    expect(update[4].data.old_record).toEqual({ id: 3001 });
    s.close();
  });

  it('without an access_token a binding is confirmed but sees no rows; SHARED tables reach every user', async () => {
    const anon = h.client('2.0.0').channel('anon-pg');
    const system: { status: string; message: string }[] = [];
    const anonSeen: unknown[] = [];
    anon.on('system', {}, (p) => system.push(p));
    anon.on('postgres_changes', { event: '*', schema: 'app', table: 'feed' }, (p) => anonSeen.push(p));
    await subscribed(anon);
    await eventually(() => expect(system[0]).toMatchObject({ status: 'ok', message: 'Subscribed to PostgreSQL' }));

    const bob = (await h.authed('1.0.0', h.tokens.bob)).channel('bob-feed');
    const seen: unknown[] = [];
    bob.on('postgres_changes', { event: 'INSERT', schema: 'app', table: 'feed' }, (p) => seen.push(p.new));
    await subscribed(bob);
    await h.sql('alice', 'INSERT INTO app.feed (id, n) VALUES (1, 10)');
    await eventually(() => expect(seen).toEqual([{ id: 1, n: 10 }]));
    expect(anonSeen).toEqual([]);
  });
});
