/**
 * Optional client-side check of live-query SQL against what KalamDB's live path handles
 * (spec §7.4, §7.5, §11.11). KalamDB accepts some filters at subscribe time and then silently skips
 * every change (IN, BETWEEN, IS NULL, function calls) or drops an unparseable WHERE entirely; with
 * `createClient({ strictLiveSql: true })` such queries fail at once with a SubscriptionError
 * (`UNSUPPORTED_LIVE_SQL`) instead. Off by default: the dev server evaluates those filters exactly.
 * Returns the reason the SQL would misbehave, or undefined when it is fine.
 */
const REJECTED_ANYWHERE = new Set(['ORDER', 'LIMIT', 'FETCH', 'OFFSET', 'DISTINCT', 'GROUP', 'HAVING', 'JOIN', 'UNION', 'INTERSECT', 'EXCEPT', 'WINDOW', 'QUALIFY', 'OVER']);
const FILTER_UNSUPPORTED = new Set(['IN', 'BETWEEN', 'IS', 'CASE', 'EXISTS', 'SIMILAR', 'CAST']);
const FILTER_WORDS = new Set(['AND', 'OR', 'NOT', 'LIKE', 'ILIKE', 'TRUE', 'FALSE', 'NULL']);
const COMPARISONS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);

type Token = { kind: 'word' | 'quoted' | 'string' | 'number' | 'op'; text: string };

export function checkLiveSql(sql: string): string | undefined {
  const tokens = tokenize(sql);
  if (typeof tokens === 'string') return tokens;
  while (tokens.length > 0 && tokens[tokens.length - 1]?.text === ';') tokens.pop();
  const words = tokens.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : ''));
  if (words[0] !== 'SELECT') return 'a live query must be a single SELECT (no WITH)';
  if (tokens.some((t) => t.text === ';')) return 'a live query must be a single statement';
  const bad = words.find((w) => REJECTED_ANYWHERE.has(w));
  if (bad) return `${bad} is not allowed in live queries (order and limit on the client: orderBy, limit)`;
  const from = words.indexOf('FROM');
  if (from === -1) return 'a live query needs FROM namespace.table';
  for (const t of tokens.slice(1, from)) {
    const name = t.kind === 'quoted' ? t.text : t.text.toLowerCase();
    if ((t.kind === 'word' || t.kind === 'quoted') && (name === '_seq' || name === '_deleted')) {
      return 'live queries cannot project _seq or _deleted (every row carries _seq anyway)';
    }
  }
  const [ns, dot, table, ...rest] = tokens.slice(from + 1);
  const isName = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');
  if (!isName(ns) || dot?.text !== '.' || !isName(table)) return 'the table must be written namespace.table';
  if (rest.length === 0) return undefined;
  if (rest[0]?.kind !== 'word' || rest[0].text.toUpperCase() !== 'WHERE') return 'only one table, optionally followed by WHERE, is allowed';
  return checkFilter(rest.slice(1));
}

/** §7.5: AND, OR, NOT, parentheses, comparisons, LIKE/ILIKE, literals, columns, CURRENT_USER(). */
function checkFilter(tokens: readonly Token[]): string | undefined {
  if (tokens.length === 0) return 'empty WHERE';
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.kind === 'word') {
      const w = t.text.toUpperCase();
      if (FILTER_UNSUPPORTED.has(w)) return `${w} in a live filter is skipped by KalamDB's live evaluator; use =, <, >, LIKE, AND, OR, NOT`;
      if (next?.text === '(') {
        if (w === 'CURRENT_USER' && tokens[i + 2]?.text === ')') {
          i += 2;
          continue;
        }
        return `function calls (${t.text}) in a live filter are skipped by KalamDB's live evaluator`;
      }
      if (next?.text === '.') return 'qualified column names are not supported in live filters';
      if (FILTER_WORDS.has(w)) continue;
      continue; // a column name
    }
    if (t.kind === 'op') {
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (t.text === '-' && next?.kind === 'number') continue;
      else if (!COMPARISONS.has(t.text)) return `operator ${t.text} is not supported in live filters`;
      if (depth < 0) return 'unbalanced parentheses';
    }
  }
  return depth === 0 ? undefined : 'unbalanced parentheses';
}

function tokenize(sql: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return 'unterminated comment';
      i = end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= n) return 'unterminated quote';
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += sql[j];
        j++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text });
      i = j + 1;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else {
      const two = sql.slice(i, i + 2);
      const op = ['!=', '<>', '<=', '>=', '::', '||'].includes(two) ? two : c;
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  return tokens;
}
