/**
 * Work bounds for one statement. PGlite runs in this process's thread and cannot be interrupted
 * (statement_timeout needs signals it does not have), so a statement that would run for minutes
 * must be refused before it starts: the planner's estimate (EXPLAIN, no execution) is checked
 * against MAX_PLAN_COST. Measured in PGlite on the 2-core dev machine: a cross join of two
 * 10,000-row tables is estimated at 654,000 and ran 11.5 s (~57,000 units a second); a sorted scan
 * of 10,000 rows costs 556, a hash join of them 4,924. The bound lets ordinary queries over
 * 100,000-row tables through and caps a statement at roughly 2 s where the estimate is right.
 */
import type { PGlite } from '@electric-sql/pglite';

export const MAX_PLAN_COST = 100_000;
/** Rows one statement may return. */
export const MAX_RESULT_ROWS = 200_000;
/** UTF-16 units of text one statement's result may carry (cells summed). */
export const MAX_RESULT_CHARS = 64 * 1024 * 1024;

export class WorkLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkLimitError';
  }
}

/** Refuses a statement whose estimated cost is over the bound. Statements EXPLAIN cannot plan pass (Postgres reports their error when they run). */
export async function checkPlanCost(db: PGlite, sql: string, params: readonly unknown[]): Promise<void> {
  let cost: number | undefined;
  try {
    const r = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, [...params]);
    cost = r.rows[0]?.['QUERY PLAN'][0].Plan['Total Cost'];
  } catch {
    return;
  }
  if (cost !== undefined && cost > MAX_PLAN_COST) {
    throw new WorkLimitError(
      `The statement's estimated cost is ${Math.round(cost)}, over the server's limit of ${MAX_PLAN_COST} (the dev server runs one statement at a time for everyone). Add a WHERE clause on an indexed column, join on keys, or page with LIMIT.`,
    );
  }
}

/** Refuses a result larger than the bounds (rows of text cells, as PGlite returned them). */
export function checkResultSize(rows: readonly (readonly (string | null)[])[]): void {
  if (rows.length > MAX_RESULT_ROWS) {
    throw new WorkLimitError(`The result has ${rows.length} rows, over the limit of ${MAX_RESULT_ROWS}; page with WHERE/LIMIT.`);
  }
  let chars = 0;
  for (const row of rows) {
    for (const cell of row) chars += cell === null ? 0 : cell.length;
    if (chars > MAX_RESULT_CHARS) {
      throw new WorkLimitError(`The result is over ${MAX_RESULT_CHARS / 1024 / 1024} M characters; select fewer columns or rows.`);
    }
  }
}
