/**
 * pgsql-ast-parser's errors in one line a person can act on: the position and what was
 * unexpected ("Syntax error at line 1 col 7: Unexpected int token: "1""), without the parse-table
 * dump that follows.
 */
export function parserMessage(e: unknown, max = 240): string {
  const lines = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim());
  const head = lines[0] ?? 'syntax error';
  const unexpected = lines.find((l) => l.startsWith('Unexpected'));
  const detail = unexpected?.replace(/\. (Instead, I was expecting|I did not expect any more input).*$/, '');
  const text = detail === undefined ? head : `${head.replace(/:$/, '')}: ${detail}`;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
