/**
 * The adapter conformance suite (STYLE §6): scenarios written once, run through a small driver
 * per framework (mount, flush, read, unmount) against the real dev server. A framework that lacks
 * a scenario names it in `gaps`: it then runs as an expected failure (it.fails), so closing the
 * gap turns the run red until the gap is removed from the list.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LivebindClient } from '../../src/types.js';
import { itemsTable, perFileBackend, type Item } from './backend.js';

export interface QueryView {
  readonly rows: readonly Item[];
  readonly status: string;
  readonly error: unknown;
  readonly isPlaceholder: boolean;
}

export interface Mounted<V> {
  read(): V;
  unmount(): void;
}

export interface MountedQuery extends Mounted<QueryView> {
  /** Render again with other params (`WHERE grp = $1`). */
  setGroup(grp: number): void;
  /** Renders of the list component, and of row components in total (or per-row effects where a framework has no row render). */
  listRenders(): number;
  rowRenders(): number;
}

export interface MountedPresence extends Mounted<readonly string[]> {
  /** Renders of the component reading the selected presence (names, compared shallowly). */
  renders(): number;
  setStatus(status: string): void;
}

export interface MountedBroadcast extends Mounted<readonly unknown[]> {
  send(event: string, payload: unknown): Promise<unknown>;
}

export interface QueryProps {
  readonly client: LivebindClient;
  readonly sql: string;
  readonly grp: number;
  readonly keepPrevious?: boolean;
}

export interface FrameworkDriver {
  readonly name: string;
  mountQuery(props: QueryProps): MountedQuery;
  /** Status of the client's socket. */
  mountConnection?(client: LivebindClient): Mounted<string>;
  /** Tracks `{ name, status }` on `topic` and reads the present names (selector + shallow). */
  mountPresence?(client: LivebindClient, topic: string, name: string): MountedPresence;
  /** Receives broadcasts of `event` on `topic` and can send. */
  mountBroadcast?(client: LivebindClient, topic: string, event: string): MountedBroadcast;
  /** Let the framework apply pending updates (microtasks, scheduled renders). */
  flush(): Promise<void>;
}

export type Scenario =
  | 'initial rows'
  | 'insert, update and delete'
  | 'params change keeps previous rows'
  | 'unmount releases the server subscription after the grace period'
  | 'error surfaced'
  | 'connection status'
  | 'presence join, update and leave'
  | 'broadcast round trip'
  | 'one-row update re-renders one row';

export interface Budgets {
  /** List renders from mount until the first ready rows are shown. */
  readonly mountListRenders: number;
  /** List renders for one changed row. */
  readonly updateListRenders: number;
}

const text = (rows: readonly Item[]): string => rows.map((r) => `${r.id}:${r.label}`).join(',');

export function runConformance(driver: FrameworkDriver, gaps: Partial<Record<Scenario, string>> = {}, budgets: Budgets = { mountListRenders: 3, updateListRenders: 1 }): void {
  const backend = perFileBackend();
  const eventually = (assertion: () => void, timeout = 10_000) =>
    vi.waitFor(
      async () => {
        await driver.flush();
        assertion();
      },
      { timeout, interval: 20 },
    );
  const mounted: Mounted<unknown>[] = [];
  const track = <T extends Mounted<unknown>>(m: T): T => (mounted.push(m), m);
  const scenario = (name: Scenario, body: () => Promise<void>) => {
    const gap = gaps[name];
    const wrapped = async () => {
      try {
        await body();
      } finally {
        for (const m of mounted.splice(0)) m.unmount();
        await driver.flush();
      }
    };
    if (gap === undefined) it(name, wrapped, 30_000);
    else it.fails(`${name} (known gap: ${gap})`, wrapped, 30_000);
  };
  const sqlOf = (table: string) => `SELECT id, grp, label FROM ${table} WHERE grp = $1`;
  const need = <T>(fn: T | undefined, what: string): T => {
    if (fn === undefined) throw new Error(`${driver.name} has no ${what} binding`);
    return fn;
  };

  describe(`${driver.name} conformance`, () => {
    scenario('initial rows', async () => {
      const { client } = backend();
      const table = await itemsTable(client, [{ id: 2, grp: 1, label: 'two' }, { id: 1, grp: 1, label: 'one' }, { id: 3, grp: 2, label: 'x' }]);
      const q = track(driver.mountQuery({ client, sql: sqlOf(table), grp: 1 }));
      expect(q.read().status).toBe('loading');
      await eventually(() => expect([q.read().status, text(q.read().rows)]).toEqual(['ready', '1:one,2:two']));
      expect(q.listRenders()).toBeLessThanOrEqual(budgets.mountListRenders);
    });

    scenario('insert, update and delete', async () => {
      const { client, peer } = backend();
      const table = await itemsTable(client, [{ id: 1, grp: 1, label: 'one' }]);
      const q = track(driver.mountQuery({ client, sql: sqlOf(table), grp: 1 }));
      await eventually(() => expect(text(q.read().rows)).toBe('1:one'));
      await peer.execute(`INSERT INTO ${table} (id, grp, label) VALUES (2, 1, 'two')`);
      await eventually(() => expect(text(q.read().rows)).toBe('1:one,2:two'));
      await peer.execute(`UPDATE ${table} SET label = 'ONE' WHERE id = 1`);
      await eventually(() => expect(text(q.read().rows)).toBe('1:ONE,2:two'));
      await peer.execute(`DELETE FROM ${table} WHERE id = 2`);
      await eventually(() => expect(text(q.read().rows)).toBe('1:ONE'));
    });

    scenario('params change keeps previous rows', async () => {
      const { client } = backend();
      const table = await itemsTable(client, [{ id: 1, grp: 1, label: 'a' }, { id: 2, grp: 2, label: 'b' }]);
      const q = track(driver.mountQuery({ client, sql: sqlOf(table), grp: 1, keepPrevious: true }));
      await eventually(() => expect(q.read().status).toBe('ready'));
      q.setGroup(2);
      await driver.flush();
      // Never an empty list in between: the previous rows (marked placeholder) or already the new ones.
      const between = q.read();
      expect(between.isPlaceholder ? text(between.rows) : 'new').toBe(between.isPlaceholder ? '1:a' : 'new');
      expect(between.rows.length).toBe(1);
      await eventually(() => expect([text(q.read().rows), q.read().isPlaceholder, q.read().status]).toEqual(['2:b', false, 'ready']));
    });

    scenario('unmount releases the server subscription after the grace period', async () => {
      const { client } = backend();
      const table = await itemsTable(client, [{ id: 1, grp: 1, label: 'a' }]);
      await eventually(() => expect(backend().subscriptionCount()).toBe(0));
      const q = driver.mountQuery({ client, sql: sqlOf(table), grp: 1 });
      await eventually(() => expect(q.read().status).toBe('ready'));
      expect(backend().subscriptionCount()).toBe(1);
      q.unmount();
      await eventually(() => expect(backend().subscriptionCount()).toBe(0));
    });

    scenario('error surfaced', async () => {
      const { client } = backend();
      const q = track(driver.mountQuery({ client, sql: 'SELECT id, grp, label FROM conf.no_such_table WHERE grp = $1', grp: 1 }));
      await eventually(() => expect(q.read().status).toBe('error'));
      expect(q.read().error).toBeInstanceOf(Error);
    });

    scenario('connection status', async () => {
      const { client } = backend();
      const c = track(need(driver.mountConnection, 'connection state')(client));
      await client.query('SELECT 1');
      const live = track(driver.mountQuery({ client, sql: 'SELECT id, grp, label FROM conf.no_such_table WHERE grp = $1', grp: 1 }));
      await eventually(() => expect([live.read().status, c.read()]).toEqual(['error', 'open']));
    });

    scenario('presence join, update and leave', async () => {
      const { client, peer } = backend();
      const topic = `room:${Math.random()}`;
      const p = track(need(driver.mountPresence, 'presence')(client, topic, 'ann'));
      await eventually(() => expect(p.read()).toEqual(['ann']));
      const bob = peer.channel<{ name: string; status: string }>(topic);
      const watching = bob.presence$.subscribe(() => {});
      await bob.track({ name: 'bob', status: 'online' });
      await eventually(() => expect(p.read()).toEqual(['ann', 'bob']));
      const renders = p.renders();
      // Same names, other status: the selection is shallow-equal, so no render.
      await bob.track({ name: 'bob', status: 'away' });
      p.setStatus('busy');
      await new Promise((r) => setTimeout(r, 50));
      await driver.flush();
      expect(p.renders()).toBe(renders);
      await bob.track({ name: 'bobby', status: 'away' });
      await eventually(() => expect(p.read()).toEqual(['ann', 'bobby']));
      await bob.untrack();
      await eventually(() => expect(p.read()).toEqual(['ann']));
      watching.unsubscribe();
    });

    scenario('broadcast round trip', async () => {
      const { client, peer } = backend();
      const topic = `bc:${Math.random()}`;
      const b = track(need(driver.mountBroadcast, 'broadcast')(client, topic, 'ping'));
      const other = peer.channel(topic);
      const pongs: unknown[] = [];
      const sub = other.broadcast$('pong').subscribe((m) => pongs.push(m.payload));
      await other.send('ping', { n: 1 }, { delivery: 'queue' });
      await eventually(() => expect(b.read()).toEqual([{ n: 1 }]));
      await b.send('pong', { n: 2 });
      await eventually(() => expect(pongs).toEqual([{ n: 2 }]));
      sub.unsubscribe();
    });

    scenario('one-row update re-renders one row', async () => {
      const { client, peer } = backend();
      const items = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, grp: 1, label: `r${i + 1}` }));
      const table = await itemsTable(client, items);
      const q = track(driver.mountQuery({ client, sql: sqlOf(table), grp: 1 }));
      await eventually(() => expect(q.read().rows.length).toBe(300));
      const [lists, rows] = [q.listRenders(), q.rowRenders()];
      await peer.execute(`UPDATE ${table} SET label = 'changed' WHERE id = 150`);
      await eventually(() => expect(q.read().rows[149]!.label).toBe('changed'));
      await driver.flush();
      expect(q.rowRenders() - rows).toBe(1);
      expect(q.listRenders() - lists).toBeLessThanOrEqual(budgets.updateListRenders);
    });
  });
}
