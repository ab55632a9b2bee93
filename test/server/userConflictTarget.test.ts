import { expect, it } from 'vitest';
import { Catalog } from '../../server/engine/catalog.js';
import { splitStatements } from '../../server/engine/sqlLexer.js';
import type { TableInfo } from '../../server/engine/types.js';
import { scopeUserConflictTargets } from '../../server/engine/userConflictTarget.js';

const catalog = new Catalog();
const table = (namespace: string, name: string, type: 'user' | 'shared'): TableInfo => ({
  namespace,
  name,
  qualifiedName: `${namespace}.${name}`,
  type,
  accessLevel: 'public',
  columns: [],
  primaryKey: ['id'],
});
catalog.set(table('app', 'u', 'user'));
catalog.set(table('app', 's', 'shared'));

const scoped = (sql: string, namespace = 'default'): string => scopeUserConflictTargets(splitStatements(sql)[0]!, catalog, namespace).text;

it('prepends the owner column to conflict targets of INSERTs into USER tables only', () => {
  expect(scoped('INSERT INTO app.u (id) VALUES (1) ON CONFLICT (id) DO NOTHING')).toBe('INSERT INTO app.u (id) VALUES (1) ON CONFLICT ("_livebind_owner", id) DO NOTHING');
  expect(scoped('insert into u (id) values (1) on conflict(id, k) do nothing', 'app')).toBe('insert into u (id) values (1) on conflict("_livebind_owner", id, k) do nothing');
  expect(scoped('INSERT INTO app.s (id) VALUES (1) ON CONFLICT (id) DO NOTHING')).toBe('INSERT INTO app.s (id) VALUES (1) ON CONFLICT (id) DO NOTHING');
  expect(scoped('INSERT INTO app.u (id) VALUES (1) ON CONFLICT DO NOTHING')).toBe('INSERT INTO app.u (id) VALUES (1) ON CONFLICT DO NOTHING');
  expect(scoped('INSERT INTO app.u (id) VALUES (1) ON CONFLICT ("_livebind_owner", id) DO NOTHING')).toBe('INSERT INTO app.u (id) VALUES (1) ON CONFLICT ("_livebind_owner", id) DO NOTHING');
  expect(scoped("INSERT INTO app.u (id, t) VALUES (1, 'on conflict (id)') ON CONFLICT (id) DO NOTHING")).toBe(
    `INSERT INTO app.u (id, t) VALUES (1, 'on conflict (id)') ON CONFLICT ("_livebind_owner", id) DO NOTHING`,
  );
});

it('handles writable CTEs, each INSERT by its own target', () => {
  expect(scoped('WITH a AS (INSERT INTO app.u (id) VALUES (1) ON CONFLICT (id) DO NOTHING RETURNING id) INSERT INTO app.s (id) SELECT id FROM a ON CONFLICT (id) DO NOTHING')).toBe(
    'WITH a AS (INSERT INTO app.u (id) VALUES (1) ON CONFLICT ("_livebind_owner", id) DO NOTHING RETURNING id) INSERT INTO app.s (id) SELECT id FROM a ON CONFLICT (id) DO NOTHING',
  );
});
