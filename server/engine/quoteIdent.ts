/**
 * The one place that turns names and values into SQL text. Everything else passes values as
 * query parameters.
 */

/** Quotes an identifier for PostgreSQL: always double-quoted, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63) throw new Error('Identifier must have 1 to 63 characters');
  if (name.includes('\u0000')) throw new Error('Identifier must not contain NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"namespace"."table"` */
export function quoteQualified(namespace: string, name: string): string {
  return `${quoteIdent(namespace)}.${quoteIdent(name)}`;
}

/** Quotes a string literal (standard_conforming_strings on): single quotes doubled, NUL rejected. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('String literal must not contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/** KalamDB names: namespaces, tables, columns and user names we create. */
export const NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
