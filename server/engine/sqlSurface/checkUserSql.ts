/**
 * User SQL → the statement Postgres runs, or a refusal. Each statement is parsed (pgsql-ast-parser),
 * walked, and accepted only as KalamDB's DML/query surface (allowList.ts): allowed statement kinds,
 * catalog tables (or CTEs of the statement), allowed functions and cast types, bounded JSON nesting
 * in every string. The caller's text runs as written (re-serializing the tree would round
 * integers above 2^53), so the check is tied to what Postgres will read by a second, independent
 * reading with the server's own lexer (sqlLexer.ts, which follows Postgres' lexical rules): every
 * word that reads as an identifier must be one the tree holds, and every identifier followed by
 * `(` must be an allowed function, an allowed type, or a keyword. A lexing difference between the
 * parser and Postgres (comments, quoting, escapes) therefore cannot hide a name from the check.
 * Size and nesting are bounded before parsing so the parser's own cost stays small.
 */
import type { Statement } from 'pgsql-ast-parser';
import type { Catalog } from '../catalog.js';
import { tokenize, type Token } from '../sqlLexer.js';
import type { TableInfo } from '../types.js';
import { RESERVED_NAMESPACES } from '../ddlExecutor.js';
import { ParseTimeout, parseOffThread } from './parseOffThread.js';
import { parserMessage } from './parserMessage.js';
import { CAST_TYPES, FUNCTIONS, PARSING_CASTS, STATEMENT_KINDS } from './allowList.js';

/** Largest statement parsed (characters). The parser costs ~15 µs a character. */
export const MAX_STATEMENT_CHARS = 32 * 1024;
/** Deepest parenthesis nesting accepted in a statement. */
export const MAX_PAREN_DEPTH = 64;
/** Deepest `[`/`{` nesting accepted in a string literal or parameter (Postgres' JSON parser recurses). */
export const MAX_JSON_DEPTH = 256;

export class SurfaceError extends Error {
  constructor(
    readonly code: 'INVALID_SQL' | 'PERMISSION_DENIED' | 'TABLE_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'SurfaceError';
  }
}

export interface CheckedStatement {
  /** The statement to execute (the checked text). */
  readonly sql: string;
  readonly kind: string;
  /** Catalog tables the statement reads or writes. */
  readonly tables: readonly TableInfo[];
}

/** Checks one statement of a batch (text without the trailing `;`); parses in the parser's worker thread. Throws SurfaceError. */
export async function checkUserSql(text: string, catalog: Catalog, namespace: string, canRead: (t: TableInfo) => boolean): Promise<CheckedStatement> {
  preScan(text);
  let parsed: Statement[];
  try {
    parsed = await parseOffThread(text);
  } catch (e) {
    if (e instanceof ParseTimeout) throw new SurfaceError('INVALID_SQL', e.message);
    throw new SurfaceError(
      'INVALID_SQL',
      `${parserMessage(e)}. The server accepts SELECT, INSERT, UPDATE, DELETE and transactions over your tables (plus KalamDB DDL); rewrite the statement in that form.`,
    );
  }
  if (parsed.length !== 1) throw new SurfaceError('INVALID_SQL', 'Expected exactly one statement.');
  const statement = parsed[0]!;
  const walker = new Walker(catalog, namespace, canRead);
  walker.statement(statement as unknown as Node);
  crossCheck(tokenize(text), statement);
  return { sql: text, kind: statement.type, tables: walker.tables };
}

/**
 * The lexer's reading against the tree's: identifiers the tree does not hold, and calls to names
 * that are neither allowed functions nor types nor keywords, are refused.
 */
function crossCheck(tokens: readonly Token[], statement: Statement): void {
  const names = new Set<string>();
  collectNames(statement, names);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    const v = t.value.toLowerCase();
    const keyword = t.kind === 'word' && KEYWORDS.has(v);
    if (!keyword && !names.has(v) && !FUNCTIONS.has(v) && !CAST_TYPES.has(v)) {
      throw new SurfaceError('INVALID_SQL', `Could not validate the name ${t.text.slice(0, 60)} at offset ${t.start}; write the statement without unusual quoting or comments.`);
    }
    if (tokens[i + 1]?.text === '(' && !keyword && !FUNCTIONS.has(v) && !CAST_TYPES.has(v) && !calledAsTarget(tokens, i)) {
      throw new SurfaceError('PERMISSION_DENIED', `Function ${t.text.slice(0, 60)}() is not part of the SQL surface.`);
    }
  }
}

/** `INSERT INTO [ns.]t (`, `AS alias (` and `cte (cols) AS`: a name before `(` that is not a call. */
function calledAsTarget(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (prev?.kind === 'word' && (prev.value === 'into' || prev.value === 'as' || prev.value === 'with')) return true;
  if (prev?.text === ',' && isCteColumns(tokens, i + 1)) return true;
  return prev?.text === '.' && tokens[i - 3]?.kind === 'word' && tokens[i - 3]?.value === 'into';
}

/** `( a, b ) AS (`: a CTE column list. */
function isCteColumns(tokens: readonly Token[], open: number): boolean {
  let j = open + 1;
  while (j < tokens.length && tokens[j]!.text !== ')') j++;
  return tokens[j + 1]?.kind === 'word' && tokens[j + 1]?.value === 'as';
}

function collectNames(value: unknown, out: Set<string>, key = ''): void {
  if (Array.isArray(value)) {
    for (const v of value) collectNames(v, out, key);
    return;
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && NAME_KEYS.has(key)) out.add(value.toLowerCase());
    return;
  }
  const node = value as Node;
  for (const [k, v] of Object.entries(node)) {
    if (node.type === 'string' && k === 'value') continue;
    collectNames(v, out, k);
  }
}

const NAME_KEYS = new Set(['name', 'schema', 'alias', 'column', 'table', 'field', 'unit']);

/** Words Postgres reads as keywords in the statements of the surface. */
const KEYWORDS: ReadonlySet<string> = new Set(
  `select from where and or not in is null true false as on join left right inner outer full cross using group by order having
  limit offset fetch first next rows row only union all distinct intersect except insert into values default update set delete
  returning conflict do nothing with case when then else end between like ilike similar asc desc nulls last cast array exists any
  some interval begin commit rollback start transaction work over partition filter within lateral natural escape at time zone
  collate unknown isnull notnull symmetric asymmetric local current_date current_time current_timestamp localtime localtimestamp
  current_user session_user user recursive materialized for share key no action ties percent preceding following unbounded current
  range groups exclude others window epoch year month day hour minute second millisecond microsecond week dow doy quarter decade
  century millennium isodow isoyear timezone excluded both leading trailing placing double precision varying without`.split(/\s+/),
);

/** Rejects parameter values the server must not hand to Postgres' recursive parsers. */
/** Rejects string literals (of a statement taken on the plain-insert fast path) nested too deep. */
export function checkStringTokens(texts: readonly string[]): void {
  for (const t of texts) checkNesting(t, 'A string literal');
}

export function checkParams(params: readonly unknown[]): void {
  params.forEach((p, i) => {
    if (typeof p === 'string') checkNesting(p, `Parameter $${i + 1}`);
  });
}

type Node = { readonly type?: string; readonly [key: string]: unknown };

class Walker {
  readonly tables: TableInfo[] = [];
  private readonly ctes = new Set<string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly namespace: string,
    private readonly canRead: (t: TableInfo) => boolean,
  ) {}

  statement(node: Node): void {
    const kind = node.type ?? '';
    if (!STATEMENT_KINDS.has(kind)) {
      throw new SurfaceError('INVALID_SQL', `${kind.toUpperCase() || 'This statement'} is not part of the SQL surface: use SELECT, INSERT, UPDATE, DELETE, BEGIN/COMMIT/ROLLBACK or KalamDB DDL.`);
    }
    switch (kind) {
      case 'with':
        for (const bind of node['bind'] as { alias: { name: string }; statement: Node }[]) {
          this.ctes.add(bind.alias.name.toLowerCase());
          this.statement(bind.statement);
        }
        this.statement(node['in'] as Node);
        return;
      case 'insert':
        this.table(node['into'] as QName, 'write');
        break;
      case 'update':
        this.table(node['table'] as QName, 'write');
        break;
      case 'delete':
        this.table(node['from'] as QName, 'write');
        break;
      case 'select':
        if ('into' in node && node['into'] !== undefined) throw new SurfaceError('INVALID_SQL', 'SELECT ... INTO is not part of the SQL surface.');
        break;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type' || key === '_location') continue;
      if (kind === 'insert' && key === 'into') continue;
      if (kind === 'update' && key === 'table') continue;
      if (kind === 'delete' && key === 'from') continue;
      this.visit(value);
    }
  }

  private visit(value: unknown): void {
    if (Array.isArray(value)) {
      for (const v of value) this.visit(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Node;
    switch (node.type) {
      case 'select':
      case 'union':
      case 'union all':
      case 'intersect':
      case 'intersect all':
      case 'except':
      case 'except all':
      case 'values':
      case 'with':
        this.statement(node);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        throw new SurfaceError('INVALID_SQL', 'Data-modifying statements inside another statement are not part of the SQL surface.');
      case 'table':
        this.table(node['name'] as QName, 'read');
        return;
      case 'call':
        this.call(node);
        break;
      case 'cast':
        this.cast(node);
        break;
      case 'string':
        checkNesting(String(node['value']), 'A string literal');
        return;
    }
    for (const [key, v] of Object.entries(node)) {
      if (key !== '_location' && key !== 'type') this.visit(v);
    }
  }

  private call(node: Node): void {
    const fn = node['function'] as { name: string; schema?: string };
    const name = fn.name.toLowerCase();
    if (fn.schema !== undefined || !FUNCTIONS.has(name)) {
      const shown = fn.schema === undefined ? fn.name : `${fn.schema}.${fn.name}`;
      throw new SurfaceError(
        'PERMISSION_DENIED',
        `Function ${shown.slice(0, 80)}() is not part of the SQL surface (functions that run SQL text, read or change settings, sleep or generate rows are refused). Compute the value in your application or with another function.`,
      );
    }
  }

  private cast(node: Node): void {
    let to = node['to'] as { name?: string; kind?: string; arrayOf?: unknown };
    while (to.kind === 'array') to = to.arrayOf as typeof to;
    const name = (to.name ?? '').toLowerCase();
    if (!CAST_TYPES.has(name)) {
      throw new SurfaceError('PERMISSION_DENIED', `Casting to ${name.slice(0, 40) || 'that type'} is not part of the SQL surface; cast to a text, number, boolean, date/time, JSON or UUID type.`);
    }
    const operand = node['operand'] as Node;
    if (PARSING_CASTS.has(name) && !['string', 'parameter', 'ref', 'null', 'cast'].includes(operand.type ?? '')) {
      throw new SurfaceError('PERMISSION_DENIED', `Only literals, parameters and columns can be cast to ${name}; build JSON with json_build_object() instead.`);
    }
  }

  private table(q: QName, use: 'read' | 'write'): void {
    const name = q.name;
    if (q.schema === undefined && this.ctes.has(name.toLowerCase())) return;
    const shown = q.schema === undefined ? name : `${q.schema}.${name}`;
    const schema = (q.schema ?? this.namespace).toLowerCase();
    if (RESERVED_NAMESPACES.has(schema) || schema.startsWith('pg_') || (q.schema === undefined && name.toLowerCase().startsWith('pg_'))) {
      throw new SurfaceError('PERMISSION_DENIED', `${shown.slice(0, 128)} is internal to the server (system catalogs, settings, users); it is not part of the SQL surface.`);
    }
    const info = q.schema === undefined ? this.catalog.get(this.namespace, name) : this.catalog.get(q.schema, name);
    if (info === undefined) {
      throw new SurfaceError('TABLE_NOT_FOUND', `Table not found: ${shown.slice(0, 128)}. Name a table of one of your namespaces (namespace.table), created with CREATE ... TABLE.`);
    }
    if (!this.canRead(info)) {
      throw new SurfaceError('PERMISSION_DENIED', `Table ${shown.slice(0, 128)} is private: only dba, service and system users may use it.`);
    }
    if (!this.tables.includes(info)) this.tables.push(info);
    void use;
  }
}

interface QName {
  readonly name: string;
  readonly schema?: string;
}

/** Linear pre-checks so the parser never sees a statement that would cost it more than a few ms. */
function preScan(text: string): void {
  if (text.length > MAX_STATEMENT_CHARS) {
    throw new SurfaceError('INVALID_SQL', `Statement is ${text.length} characters; the limit is ${MAX_STATEMENT_CHARS}. Split it (e.g. insert in batches of a few hundred rows) or bind values as $n parameters.`);
  }
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '$' && /[$A-Za-z_]/.test(text[i + 1] ?? '') && text.slice(i).match(/^\$[A-Za-z_]*\$/)) {
      throw new SurfaceError('INVALID_SQL', 'Dollar-quoted strings are not part of the SQL surface; use single quotes or a $n parameter.');
    } else if (c === '(' && ++depth > MAX_PAREN_DEPTH) {
      throw new SurfaceError('INVALID_SQL', `Parentheses are nested deeper than ${MAX_PAREN_DEPTH}; simplify the expression.`);
    } else if (c === ')') depth--;
  }
}

function checkNesting(s: string, what: string): void {
  if (s.length <= MAX_JSON_DEPTH) return;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new SurfaceError('INVALID_SQL', `${what} nests [ or { deeper than ${MAX_JSON_DEPTH} levels; flatten the JSON.`);
      }
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
}
