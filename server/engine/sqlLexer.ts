/**
 * A small SQL lexer: enough of PostgreSQL's lexical rules to split batches on `;` and to find
 * keywords and identifiers outside string literals, quoted identifiers, dollar quotes and comments.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct' | 'semicolon';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token. */
  readonly text: string;
  /** word: lower case; quoted: the identifier with quotes removed; others: the text. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export class SqlLexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlLexError';
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Tokenizes SQL; comments and whitespace are dropped. Throws SqlLexError on unterminated literals. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new SqlLexError('Unterminated /* comment');
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const start = i;
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      let closed = false;
      while (i < n) {
        const ch = sql[i]!;
        if (escapes && ch === '\\') {
          i += 2;
        } else if (ch === "'") {
          if (sql[i + 1] === "'") i += 2;
          else {
            i++;
            closed = true;
            break;
          }
        } else i++;
      }
      if (!closed) throw new SqlLexError('Unterminated string literal');
      push('string', start, i);
    } else if (c === '"' || ((c === 'U' || c === 'u') && next === '&' && sql[i + 2] === '"')) {
      if (c !== '"') throw new SqlLexError('Unicode-escaped identifiers (U&"...") are not supported');
      const start = i;
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const ch = sql[i]!;
        if (ch === '"') {
          if (sql[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            closed = true;
            break;
          }
        } else {
          value += ch;
          i++;
        }
      }
      if (!closed) throw new SqlLexError('Unterminated quoted identifier');
      push('quoted', start, i, value);
    } else if (c === '$' && next !== undefined && /[0-9]/.test(next)) {
      const start = i;
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      push('param', start, i);
    } else if (c === '$') {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 200));
      if (!m) {
        push('punct', i, i + 1);
        i++;
        continue;
      }
      const tag = m[0];
      const start = i;
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw new SqlLexError('Unterminated dollar-quoted string');
      i = close + tag.length;
      push('string', start, i);
    } else if (WORD_START.test(c)) {
      const start = i;
      while (i < n && WORD_CHAR.test(sql[i]!)) i++;
      push('word', start, i, sql.slice(start, i).toLowerCase());
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const start = i;
      const m = /^(?:0[xX][0-9A-Fa-f_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)/.exec(
        sql.slice(i),
      );
      i += Math.max(1, m?.[0].length ?? 1);
      push('number', start, i);
    } else if (c === ';') {
      push('semicolon', i, i + 1);
      i++;
    } else {
      // Operators: keep multi-character operators such as `::`, `<=`, `->>` together.
      const start = i;
      if (/[+\-*/<>=~!@#%^&|`?]/.test(c)) {
        while (i < n && /[+\-*/<>=~!@#%^&|`?]/.test(sql[i]!) && !(sql[i] === '-' && sql[i + 1] === '-') && !(sql[i] === '/' && sql[i + 1] === '*')) i++;
        if (i === start) i++;
      } else if (c === ':' && next === ':') i += 2;
      else i++;
      push('punct', start, i);
    }
  }
  return tokens;
}

export interface SqlStatement {
  /** Statement text without the trailing `;`, trimmed. */
  readonly text: string;
  readonly tokens: readonly Token[];
}

/** Splits a batch on `;` outside literals and comments; empty statements are dropped. */
export function splitStatements(sql: string): SqlStatement[] {
  const tokens = tokenize(sql);
  const out: SqlStatement[] = [];
  let current: Token[] = [];
  const flush = (): void => {
    if (current.length > 0) {
      const first = current[0]!;
      const last = current[current.length - 1]!;
      out.push({ text: sql.slice(first.start, last.end).trim(), tokens: current });
    }
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === 'semicolon') flush();
    else current.push(t);
  }
  flush();
  return out;
}

/** The statement's leading keyword (lower case), or '' when it does not start with a word. */
export function leadingKeyword(tokens: readonly Token[]): string {
  const first = tokens[0];
  return first !== undefined && first.kind === 'word' ? first.value : '';
}
