/**
 * USER tables keep their primary key and UNIQUE constraints per owner: the real constraints are
 * (hidden owner column, columns...) (see ddlExecutor createTable). PostgreSQL matches an
 * `ON CONFLICT (columns)` target against a unique index with exactly those columns, so a user's
 * `INSERT ... ON CONFLICT (id) DO UPDATE` would find none. This rewrite prepends the owner column
 * to conflict targets of INSERTs into USER tables, which names the per-owner constraint: the row
 * conflicts only with the writer's own row with that key, as the user-visible schema says.
 */
import type { Catalog } from './catalog.js';
import { OWNER_COLUMN } from './catalog.js';
import { quoteIdent } from './quoteIdent.js';
import { tokenize, type SqlStatement, type Token } from './sqlLexer.js';
import type { TableInfo } from './types.js';

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');

function insertTarget(tokens: readonly Token[], i: number, catalog: Catalog, namespace: string): TableInfo | undefined {
  const a = tokens[i];
  if (!isName(a)) return undefined;
  const dot = tokens[i + 1];
  const b = tokens[i + 2];
  return dot?.text === '.' && isName(b) ? catalog.get(a.value, b.value) : catalog.get(namespace, a.value);
}

/** The statement with `ON CONFLICT (` of INSERTs into USER tables scoped to the owner; the same object when nothing changes. */
export function scopeUserConflictTargets(stmt: SqlStatement, catalog: Catalog, namespace: string): SqlStatement {
  const tokens = stmt.tokens;
  if (!tokens.some((t) => t.kind === 'word' && t.value === 'conflict')) return stmt;
  const base = tokens[0]?.start ?? 0;
  // The INSERT target at each parenthesis depth (a writable CTE's INSERT sits one level down).
  const targets: (TableInfo | undefined)[] = [];
  const inserts: number[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') {
      depth++;
      targets[depth] = undefined;
      continue;
    }
    if (t.kind === 'punct' && t.text === ')') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (t.kind !== 'word') continue;
    if (t.value === 'insert' && tokens[i + 1]?.kind === 'word' && tokens[i + 1]!.value === 'into') {
      targets[depth] = insertTarget(tokens, i + 2, catalog, namespace);
      continue;
    }
    const open = tokens[i + 2];
    if (t.value !== 'on' || tokens[i + 1]?.kind !== 'word' || tokens[i + 1]!.value !== 'conflict' || open?.kind !== 'punct' || open.text !== '(') continue;
    if (targets[depth]?.type !== 'user') continue;
    // Already scoped (the hidden column named explicitly): leave it.
    let d = 0;
    let named = false;
    for (let j = i + 2; j < tokens.length; j++) {
      const u = tokens[j]!;
      if (u.text === '(') d++;
      else if (u.text === ')' && --d === 0) break;
      else if (isName(u) && u.value === OWNER_COLUMN) named = true;
    }
    if (!named) inserts.push(open.end - base);
  }
  if (inserts.length === 0) return stmt;
  let text = stmt.text;
  for (const at of inserts.reverse()) text = `${text.slice(0, at)}${quoteIdent(OWNER_COLUMN)}, ${text.slice(at)}`;
  return { text, tokens: tokenize(text) };
}
