import { mapKalamType, type MappedType } from './kalamTypes.js';
import type { Token } from './sqlLexer.js';
import type { TableType } from './types.js';
import { parseTopicCommand, type TopicCommand } from '../topics/topicDdl.js';

/** KalamDB DDL the engine handles itself (everything else is passed to PostgreSQL or rejected). */
export type KalamCommand =
  | { readonly kind: 'createNamespace'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'dropNamespace'; readonly name: string; readonly ifExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'createTable'; readonly table: TableDef; readonly ifNotExists: boolean }
  | { readonly kind: 'dropTable'; readonly namespace: string; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'createUser'; readonly name: string; readonly password: string; readonly role: string; readonly email: string | null }
  | { readonly kind: 'dropUser'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'alterUser'; readonly name: string; readonly password?: string; readonly role?: string }
  | TopicCommand;

export interface ColumnDef {
  readonly name: string;
  readonly type: MappedType;
  readonly primaryKey: boolean;
  readonly notNull: boolean;
  readonly unique: boolean;
  /** Default expression as PostgreSQL SQL (SNOWFLAKE_ID() rewritten), or undefined. */
  readonly defaultSql: string | undefined;
  /** Other column constraints passed through (CHECK, REFERENCES). */
  readonly extraSql: string;
}

export interface TableDef {
  readonly namespace: string;
  readonly name: string;
  readonly type: TableType;
  readonly accessLevel: 'public' | 'private' | 'restricted';
  readonly columns: readonly ColumnDef[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly (readonly string[])[];
  readonly checks: readonly string[];
}

export class DdlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DdlError';
  }
}

export const RESERVED_COLUMNS = new Set(['_seq', '_deleted', '_commit_seq', '_livebind_owner']);

/** Token cursor for the DDL parsers (also server/topics/topicDdl.ts). */
export class Cursor {
  i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly sql: string,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'word' && t.value === word;
  }
  isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }
  acceptWord(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isWord(words[k]!, k)) return false;
    this.i += words.length;
    return true;
  }
  expectWord(word: string): void {
    if (!this.acceptWord(word)) throw new DdlError(`Expected ${word.toUpperCase()} near ${this.near()}`);
  }
  expectPunct(p: string): void {
    if (!this.isPunct(p)) throw new DdlError(`Expected '${p}' near ${this.near()}`);
    this.i++;
  }
  ident(what: string): string {
    const t = this.peek();
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) throw new DdlError(`Expected ${what} near ${this.near()}`);
    this.i++;
    return t.value;
  }
  /** An identifier or a string literal (user names are written either way). */
  nameOrString(what: string): string {
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return unquoteString(t.text);
    }
    return this.ident(what);
  }
  string(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string') throw new DdlError(`Expected ${what} as a quoted string near ${this.near()}`);
    this.i++;
    return unquoteString(t.text);
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  expectEnd(): void {
    if (!this.done()) throw new DdlError(`Unexpected ${this.near()}`);
  }
  near(): string {
    const t = this.peek();
    return t === undefined ? 'end of statement' : `'${t.text.slice(0, 40)}'`;
  }
  /** Source text from token index a (inclusive) to b (exclusive). */
  text(a: number, b: number): string {
    if (b <= a) return '';
    return this.sql.slice(this.tokens[a]!.start, this.tokens[b - 1]!.end);
  }
}

export function unquoteString(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (/^[eE]'/.test(text)) return text.slice(2, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1');
  const m = /^(\$[^$]*\$)([\s\S]*)\1$/.exec(text);
  return m ? m[2]! : text;
}

/** Recognizes KalamDB DDL; returns undefined for any other statement. */
export function parseKalamCommand(tokens: readonly Token[], sql: string, defaultNamespace: string): KalamCommand | undefined {
  const topic = parseTopicCommand(tokens, sql, defaultNamespace);
  if (topic !== undefined) return topic;
  const c = new Cursor(tokens, sql);
  if (c.acceptWord('create', 'namespace')) {
    const ifNotExists = c.acceptWord('if', 'not', 'exists');
    const name = c.ident('a namespace name');
    c.expectEnd();
    return { kind: 'createNamespace', name, ifNotExists };
  }
  if (c.acceptWord('drop', 'namespace')) {
    const ifExists = c.acceptWord('if', 'exists');
    const name = c.ident('a namespace name');
    const cascade = c.acceptWord('cascade');
    c.expectEnd();
    return { kind: 'dropNamespace', name, ifExists, cascade };
  }
  if (c.isWord('create') && isTableKeyword(c, 1)) {
    c.i++;
    let type: TableType | 'stream' | undefined;
    if (c.acceptWord('user')) type = 'user';
    else if (c.acceptWord('shared')) type = 'shared';
    else if (c.acceptWord('stream')) type = 'stream';
    c.expectWord('table');
    const ifNotExists = c.acceptWord('if', 'not', 'exists');
    const [namespace, name] = qualifiedName(c, defaultNamespace);
    return { kind: 'createTable', table: parseTableBody(c, namespace, name, type), ifNotExists };
  }
  if (c.isWord('drop') && isTableKeyword(c, 1)) {
    c.i++;
    c.acceptWord('user') || c.acceptWord('shared') || c.acceptWord('stream');
    c.expectWord('table');
    const ifExists = c.acceptWord('if', 'exists');
    const [namespace, name] = qualifiedName(c, defaultNamespace);
    c.expectEnd();
    return { kind: 'dropTable', namespace, name, ifExists };
  }
  if (c.acceptWord('create', 'user')) {
    const name = c.nameOrString('a user name');
    c.expectWord('with');
    let password: string | undefined;
    let role = 'user';
    let email: string | null = null;
    while (!c.done()) {
      if (c.acceptWord('password')) password = c.string('the password');
      else if (c.acceptWord('role')) role = c.nameOrString('a role').toLowerCase();
      else if (c.acceptWord('email')) email = c.string('the email');
      else throw new DdlError(`Unexpected ${c.near()} in CREATE USER`);
    }
    if (password === undefined) throw new DdlError('CREATE USER needs WITH PASSWORD');
    return { kind: 'createUser', name, password, role, email };
  }
  if (c.acceptWord('drop', 'user')) {
    const ifExists = c.acceptWord('if', 'exists');
    const name = c.nameOrString('a user name');
    c.expectEnd();
    return { kind: 'dropUser', name, ifExists };
  }
  if (c.acceptWord('alter', 'user')) {
    const name = c.nameOrString('a user name');
    c.expectWord('set');
    if (c.acceptWord('password')) {
      const password = c.string('the password');
      c.expectEnd();
      return { kind: 'alterUser', name, password };
    }
    c.expectWord('role');
    const role = c.nameOrString('a role').toLowerCase();
    c.expectEnd();
    return { kind: 'alterUser', name, role };
  }
  return undefined;
}

function isTableKeyword(c: Cursor, offset: number): boolean {
  if (c.isWord('table', offset)) return true;
  return (c.isWord('user', offset) || c.isWord('shared', offset) || c.isWord('stream', offset)) && c.isWord('table', offset + 1);
}

function qualifiedName(c: Cursor, defaultNamespace: string): [string, string] {
  const first = c.ident('a table name');
  if (c.isPunct('.')) {
    c.i++;
    return [first, c.ident('a table name')];
  }
  return [defaultNamespace, first];
}

const COLUMN_CONSTRAINT_WORDS = new Set(['primary', 'not', 'null', 'default', 'unique', 'check', 'references', 'constraint', 'collate', 'generated']);

/** Token index ranges of the comma-separated items inside the parenthesis at c.i. */
function parenItems(c: Cursor): [number, number][] {
  c.expectPunct('(');
  const items: [number, number][] = [];
  let depth = 0;
  let start = c.i;
  for (; c.i < c.tokens.length; c.i++) {
    const t = c.tokens[c.i]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      if (depth === 0) {
        if (c.i > start) items.push([start, c.i]);
        c.i++;
        return items;
      }
      depth--;
    } else if (t.text === ',' && depth === 0) {
      items.push([start, c.i]);
      start = c.i + 1;
    }
  }
  throw new DdlError("Missing ')'");
}

function parseTableBody(c: Cursor, namespace: string, name: string, declared: TableType | 'stream' | undefined): TableDef {
  const columns: ColumnDef[] = [];
  const uniques: string[][] = [];
  const checks: string[] = [];
  let tablePk: string[] | undefined;
  for (const [a, b] of parenItems(c)) {
    const item = new Cursor(c.tokens.slice(a, b), c.sql);
    if (item.acceptWord('constraint')) item.ident('a constraint name');
    if (item.acceptWord('primary', 'key')) {
      if (tablePk !== undefined) throw new DdlError('Multiple primary keys');
      tablePk = identList(item);
    } else if (item.acceptWord('unique')) uniques.push(identList(item));
    else if (item.isWord('check') || item.isWord('foreign')) checks.push(item.text(item.i, item.tokens.length));
    else columns.push(parseColumn(item));
  }
  let type: TableType | 'stream' = declared ?? 'shared';
  let accessLevel: TableDef['accessLevel'] = 'public';
  if (c.acceptWord('with')) {
    for (const [a, b] of parenItems(c)) {
      const opt = new Cursor(c.tokens.slice(a, b), c.sql);
      const key = opt.ident('an option name');
      opt.expectPunct('=');
      const v = opt.peek();
      if (v === undefined) throw new DdlError(`Missing value for ${key}`);
      opt.i++;
      opt.expectEnd();
      const value = (v.kind === 'string' ? unquoteString(v.text) : v.text).toLowerCase();
      if (key === 'type') {
        if (value !== 'user' && value !== 'shared' && value !== 'stream') throw new DdlError(`Unknown table TYPE '${value}'`);
        type = value;
      } else if (key === 'access_level') {
        if (value !== 'public' && value !== 'private' && value !== 'restricted') throw new DdlError(`Unknown ACCESS_LEVEL '${value}'`);
        accessLevel = value;
      } else if (!['ttl_seconds', 'flush_policy', 'storage_id', 'use_user_storage', 'max_buffer_size'].includes(key)) {
        throw new DdlError(`Unknown table option ${key.toUpperCase()}`);
      }
    }
  }
  c.expectEnd();
  if (type === 'stream') throw new DdlError('STREAM tables are not supported by the livebind dev server; use a USER or SHARED table');
  if (columns.length === 0) throw new DdlError('A table needs at least one column');
  const names = new Set<string>();
  for (const col of columns) {
    if (names.has(col.name)) throw new DdlError(`Duplicate column ${col.name}`);
    names.add(col.name);
  }
  const inlinePk = columns.filter((col) => col.primaryKey).map((col) => col.name);
  if (inlinePk.length > 0 && tablePk !== undefined) throw new DdlError('Multiple primary keys');
  if (inlinePk.length > 1) throw new DdlError('Multiple primary keys; use PRIMARY KEY (a, b)');
  const primaryKey = tablePk ?? inlinePk;
  for (const k of [...primaryKey, ...uniques.flat()]) if (!names.has(k)) throw new DdlError(`Unknown column ${k} in key`);
  return {
    namespace,
    name,
    type,
    accessLevel,
    columns: columns.map((col) => (primaryKey.includes(col.name) ? { ...col, primaryKey: true, notNull: true } : col)),
    primaryKey,
    uniques,
    checks,
  };
}

function identList(c: Cursor): string[] {
  const out: string[] = [];
  for (const [a, b] of parenItems(c)) {
    const item = new Cursor(c.tokens.slice(a, b), c.sql);
    out.push(item.ident('a column name'));
    item.expectEnd();
  }
  c.expectEnd();
  return out;
}

function parseColumn(c: Cursor): ColumnDef {
  const name = c.ident('a column name');
  if (RESERVED_COLUMNS.has(name)) throw new DdlError(`Column name ${name} is reserved`);
  const typeStart = c.i;
  let depth = 0;
  while (!c.done()) {
    const t = c.peek()!;
    if (depth === 0 && t.kind === 'word' && COLUMN_CONSTRAINT_WORDS.has(t.value)) break;
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    c.i++;
  }
  const typeText = c.text(typeStart, c.i);
  if (typeText === '') throw new DdlError(`Column ${name} needs a type`);
  const type = mapKalamType(typeText);
  if (type === undefined) throw new DdlError(`Unsupported data type '${typeText}' for column ${name}`);
  let primaryKey = false;
  let notNull = false;
  let unique = false;
  let defaultSql: string | undefined;
  const extra: string[] = [];
  while (!c.done()) {
    if (c.acceptWord('primary', 'key')) primaryKey = true;
    else if (c.acceptWord('not', 'null')) notNull = true;
    else if (c.acceptWord('null')) continue;
    else if (c.acceptWord('unique')) unique = true;
    else if (c.acceptWord('constraint')) c.ident('a constraint name');
    else if (c.acceptWord('default')) {
      const start = c.i;
      skipExpression(c);
      defaultSql = rewriteDefault(c.text(start, c.i));
      if (defaultSql === '') throw new DdlError(`Missing DEFAULT value for column ${name}`);
    } else if (c.isWord('check') || c.isWord('references')) {
      const start = c.i;
      c.i++;
      skipExpression(c);
      extra.push(c.text(start, c.i));
    } else throw new DdlError(`Unexpected ${c.near()} in column ${name}`);
  }
  return { name, type, primaryKey, notNull: notNull || primaryKey, unique, defaultSql, extraSql: extra.join(' ') };
}

/** Advances past an expression: until a top-level column-constraint keyword. */
function skipExpression(c: Cursor): void {
  let depth = 0;
  while (!c.done()) {
    const t = c.peek()!;
    if (depth === 0 && t.kind === 'word' && COLUMN_CONSTRAINT_WORDS.has(t.value) && t.value !== 'null' && t.value !== 'not') break;
    if (depth === 0 && t.kind === 'word' && t.value === 'not' && c.isWord('null', 1)) break;
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    c.i++;
  }
}

function rewriteDefault(expr: string): string {
  return expr
    .replace(/^snowflake_id\s*\(\s*\)$/i, 'livebind_fn.snowflake_id()')
    .replace(/^(uuid_v7|uuid_v4|uuid)\s*\(\s*\)$/i, 'gen_random_uuid()')
    .replace(/^ulid\s*\(\s*\)$/i, 'gen_random_uuid()::text');
}
