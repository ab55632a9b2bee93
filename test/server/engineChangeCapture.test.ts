import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../server/auth/tokens.js';
import { PgliteEngine } from '../../server/engine/pgliteEngine.js';
import type { AuthUser, ChangeRecord, WireRow } from '../../server/engine/types.js';

const admin: AuthUser = { id: 'admin', role: 'dba' };
const users: AuthUser[] = [
  { id: 'u1', role: 'user' },
  { id: 'u2', role: 'user' },
];

let engine: PgliteEngine;
let run = 0;
let totalChanges = 0;

beforeAll(async () => {
  engine = await PgliteEngine.open({ tokens: new TokenService({ secret: 's' }) });
  await engine.executeSql(admin, { sql: 'CREATE NAMESPACE cc' });
}, 60_000);

afterAll(async () => {
  await engine.close();
});

type Op =
  | { kind: 'insert'; user: number; id: number; v: number }
  | { kind: 'update'; user: number; lo: number; hi: number; dv: number }
  | { kind: 'rekey'; user: number; from: number; to: number }
  | { kind: 'delete'; user: number; lo: number; hi: number }
  | { kind: 'tx'; user: number; id: number; commit: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), user: fc.nat(1), id: fc.nat(12), v: fc.nat(100) }),
  fc.record({ kind: fc.constant('update' as const), user: fc.nat(1), lo: fc.nat(12), hi: fc.nat(12), dv: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('rekey' as const), user: fc.nat(1), from: fc.nat(12), to: fc.nat(12) }),
  fc.record({ kind: fc.constant('delete' as const), user: fc.nat(1), lo: fc.nat(12), hi: fc.nat(12) }),
  fc.record({ kind: fc.constant('tx' as const), user: fc.nat(1), id: fc.nat(12), commit: fc.boolean() }),
);

function toSql(op: Op, table: string): string {
  switch (op.kind) {
    case 'insert':
      return `INSERT INTO ${table} (id, v) VALUES (${op.id}, ${op.v}) ON CONFLICT DO NOTHING`;
    case 'update':
      return `UPDATE ${table} SET v = v + ${op.dv} WHERE id BETWEEN ${Math.min(op.lo, op.hi)} AND ${Math.max(op.lo, op.hi)}`;
    case 'rekey':
      return `UPDATE ${table} SET id = ${op.to} WHERE id = ${op.from} AND NOT EXISTS (SELECT 1 FROM ${table} WHERE id = ${op.to})`;
    case 'delete':
      return `DELETE FROM ${table} WHERE id BETWEEN ${Math.min(op.lo, op.hi)} AND ${Math.max(op.lo, op.hi)}`;
    case 'tx':
      return `BEGIN; INSERT INTO ${table} (id, v) VALUES (${op.id + 100}, 1); UPDATE ${table} SET v = v * 2 WHERE id < ${op.id}; DELETE FROM ${table} WHERE id = ${op.id}; ${op.commit ? 'COMMIT' : 'ROLLBACK'}`;
  }
}

const seedOps: Op[] = [0, 1].flatMap((user) => [3, 6, 9].map((id): Op => ({ kind: 'insert', user, id, v: id })));

const key = (row: WireRow | undefined): string => String(row?.['id']);

describe('change capture (property)', () => {
  it('replaying ChangeRecords per partition reproduces each user table; tombstones cover removed keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.boolean(), async (randomOps, userTable) => {
        // Every run starts from rows of both users, so the random ops have something to change and
        // the run cannot pass vacuously (empty tables make most UPDATE/DELETE ops no-ops).
        const ops: Op[] = [...seedOps, ...randomOps];
        const name = `t${run++}`;
        const table = `cc.${name}`;
        await engine.executeSql(admin, { sql: `CREATE ${userTable ? 'USER' : 'SHARED'} TABLE ${table} (id INT PRIMARY KEY, v INT)` });
        const info = engine.getTable('cc', name)!;
        const start = await engine.snapshotBound();
        const changes: ChangeRecord[] = [];
        const stop = engine.onChange((c) => changes.push(c));
        try {
          for (const op of ops) {
            await engine.executeSql(users[op.user]!, { sql: toSql(op, table) }).catch(() => undefined);
          }
        } finally {
          stop();
        }
        const end = await engine.snapshotBound();
        totalChanges += changes.length;
        for (let i = 1; i < changes.length; i++) expect(changes[i]!.seq > changes[i - 1]!.seq).toBe(true);
        for (const c of changes) {
          expect(c.seq > start && c.seq <= end).toBe(true);
          expect(c.table).toBe(table);
        }
        const partitions = userTable ? users : [admin];
        for (const u of partitions) {
          const mine = changes.filter((c) => (userTable ? c.userId === u.id : c.userId === null));
          const replay = new Map<string, WireRow>();
          for (const c of mine) {
            if (c.op !== 'insert') {
              expect(replay.has(key(c.oldRow))).toBe(true);
              expect(c.oldRow).toEqual(replay.get(key(c.oldRow)));
              replay.delete(key(c.oldRow));
            }
            if (c.newRow !== undefined) {
              expect(c.newRow['_seq']).toBe(c.seq.toString());
              replay.set(key(c.newRow), c.newRow);
            }
          }
          const live = await engine.readRows(u, info, { columns: ['id', 'v', '_deleted'], upToSeq: end, limit: 1000 });
          expect(new Map(live.map((r) => [key(r), r]))).toEqual(replay);
          const tombs = await engine.tombstones(u, info, start, end);
          const tombKeys = new Set(tombs.map((t) => key(t.oldRow)));
          for (const k of tombKeys) expect(replay.has(k)).toBe(false);
          const touched = new Set(mine.flatMap((c) => [key(c.oldRow), key(c.newRow)]).filter((k) => k !== 'undefined'));
          for (const k of touched) if (!replay.has(k)) expect(tombKeys.has(k)).toBe(true);
        }
        await engine.executeSql(admin, { sql: `DROP TABLE ${table}` });
      }),
      { numRuns: 25 },
    );
    // The seed alone commits 3 rows per partition and run; more shows the random ops changed rows too.
    expect(totalChanges).toBeGreaterThan(25 * 6);
  }, 240_000);
});
