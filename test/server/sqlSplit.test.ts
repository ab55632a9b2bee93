import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leadingKeyword, splitStatements, SqlLexError, tokenize } from '../../server/engine/sqlLexer.js';

const texts = (sql: string): string[] => splitStatements(sql).map((s) => s.text);

describe('splitStatements', () => {
  it('splits on semicolons and drops empty statements', () => {
    expect(texts('SELECT 1; SELECT 2;;  ; SELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    expect(texts('  ;;  ')).toEqual([]);
    expect(texts('-- only a comment')).toEqual([]);
  });

  it('ignores semicolons in literals, identifiers and comments', () => {
    expect(texts(`INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT "x;y" FROM t`)).toEqual([
      `INSERT INTO t VALUES ('a;b', 'it''s;')`,
      `SELECT "x;y" FROM t`,
    ]);
    expect(texts(`SELECT 1 -- c; d\n; SELECT /* a; /* nested; */ b; */ 2`)).toEqual(['SELECT 1', 'SELECT /* a; /* nested; */ b; */ 2']);
    expect(texts(`SELECT $$a;b$$; SELECT $tag$ x $$ ; $tag$`)).toEqual(['SELECT $$a;b$$', 'SELECT $tag$ x $$ ; $tag$']);
    expect(texts(`SELECT E'a\\';b'; SELECT 2`)).toEqual([`SELECT E'a\\';b'`, 'SELECT 2']);
  });

  it('keeps parameters apart from dollar quotes', () => {
    const toks = tokenize('SELECT $1, $2::int8 FROM t WHERE a = $10');
    expect(toks.filter((t) => t.kind === 'param').map((t) => t.text)).toEqual(['$1', '$2', '$10']);
  });

  it('rejects unterminated literals and comments', () => {
    for (const bad of [`SELECT 'abc`, `SELECT "abc`, `SELECT /* x`, `SELECT $$ x`, `SELECT E'\\'`]) {
      expect(() => splitStatements(bad), bad).toThrow(SqlLexError);
    }
  });

  it('finds the leading keyword in lower case', () => {
    expect(leadingKeyword(splitStatements('  /* c */ Select 1')[0]!.tokens)).toBe('select');
    expect(leadingKeyword(splitStatements('(SELECT 1)')[0]!.tokens)).toBe('');
  });

  it('round-trips random statements joined by semicolons', () => {
    const piece = fc.oneof(
      fc.constantFrom('SELECT', 'x', '1', '(', ')', ',', '=', '::int', '$1'),
      fc.string().map((s) => `'${s.replace(/'/g, "''")}'`),
      fc.string().filter((s) => !s.includes('\u0000')).map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.string().filter((s) => !s.includes('*') && !s.includes('/')).map((s) => `/*${s}*/`),
      fc.string().filter((s) => !s.includes('$q$')).map((s) => `$q$${s}$q$`),
    );
    const statement = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => `SELECT ${parts.join(' ')}`);
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 5 }), (stmts) => {
        const out = splitStatements(stmts.join(';\n'));
        expect(out).toHaveLength(stmts.length);
        out.forEach((s, i) => expect(s.tokens.map((t) => t.text)).toEqual(tokenize(stmts[i]!).map((t) => t.text)));
      }),
      { numRuns: 300 },
    );
  });
});
