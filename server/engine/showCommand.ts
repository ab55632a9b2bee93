/**
 * `SHOW NAMESPACES` and `SHOW TABLES [IN|FROM namespace]`, answered from the catalog as KalamDB
 * does: any role, listing only what the caller may read (private SHARED tables need service, dba
 * or system).
 */
import { canRead } from './canRead.js';
import type { Catalog } from './catalog.js';
import type { Token } from './sqlLexer.js';
import type { StatementResult } from './sqlExecutor.js';
import type { AuthUser } from './types.js';

export type ShowCommand = { readonly kind: 'namespaces' } | { readonly kind: 'tables'; readonly namespace: string | undefined };

/** The SHOW command these tokens spell, or undefined (then they are some other statement). */
export function parseShow(tokens: readonly Token[]): ShowCommand | undefined {
  const words = tokens.map((t) => (t.kind === 'word' ? t.value : t.kind === 'quoted' ? `"${t.value}"` : t.text));
  if (words[0] !== 'show') return undefined;
  if (words.length === 2 && words[1] === 'namespaces') return { kind: 'namespaces' };
  if (words[1] !== 'tables') return undefined;
  if (words.length === 2) return { kind: 'tables', namespace: undefined };
  const ns = tokens[3];
  if (words.length === 4 && (words[2] === 'in' || words[2] === 'from') && ns !== undefined && (ns.kind === 'word' || ns.kind === 'quoted')) {
    return { kind: 'tables', namespace: ns.value };
  }
  return undefined;
}

export function runShow(command: ShowCommand, catalog: Catalog, user: AuthUser): StatementResult {
  const visible = catalog.all().filter((t) => canRead(user, t));
  if (command.kind === 'namespaces') {
    const counts = new Map<string, number>();
    for (const t of visible) counts.set(t.namespace, (counts.get(t.namespace) ?? 0) + 1);
    const rows = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([ns, n]) => [ns, n]);
    return {
      schema: [
        { name: 'namespace_id', data_type: 'Text', index: 0 },
        { name: 'table_count', data_type: 'Int', index: 1 },
      ],
      rows,
      row_count: rows.length,
      as_user: user.id,
    };
  }
  const rows = visible
    .filter((t) => command.namespace === undefined || t.namespace === command.namespace)
    .sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName))
    .map((t) => [t.namespace, t.name, t.type.toUpperCase(), t.type === 'shared' ? t.accessLevel.toUpperCase() : null]);
  return {
    schema: [
      { name: 'namespace_id', data_type: 'Text', index: 0 },
      { name: 'table_name', data_type: 'Text', index: 1 },
      { name: 'table_type', data_type: 'Text', index: 2 },
      { name: 'access_level', data_type: 'Text', index: 3 },
    ],
    rows,
    row_count: rows.length,
    as_user: user.id,
  };
}
