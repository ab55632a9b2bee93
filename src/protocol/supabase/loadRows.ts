/**
 * The initial rows of a feed over `GET /rest/v1/<table>`. A one-column key pages by keyset
 * (`key=gt.<last>&order=key.asc&limit=N`), which neither skips nor repeats rows while others write
 * (offset paging would); a composite key is read in one request. A 401 gets one retry with a fresh
 * token.
 */
import { AuthError, ConnectionError, isLivebindError } from '../../errors.js';
import type { LivebindError } from '../../errors.js';
import type { PostgresFeedSpec } from './feedSpec.js';
import type { FilterScalar } from './postgresFilter.js';
import { parseRestRows, restHeaders, restReadUrl } from './restRead.js';
import type { Row } from './seam.js';

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface RestContext {
  readonly url: string;
  readonly apikey: string;
  readonly fetch: FetchLike;
  /** The user token (undefined: the apikey is the bearer); `refresh` after a 401. */
  readonly token: (refresh: boolean) => Promise<string | undefined | AuthError>;
}

export async function loadRows(spec: PostgresFeedSpec, ctx: RestContext, signal: AbortSignal): Promise<Row[] | LivebindError> {
  const keyset = spec.key.length === 1 ? spec.key[0]! : undefined;
  const rows: Row[] = [];
  let after: FilterScalar | undefined;
  for (;;) {
    const filter = after === undefined || keyset === undefined ? spec.filter : [...spec.filter, { column: keyset, op: 'gt' as const, value: after }];
    const url = restReadUrl({
      url: ctx.url,
      schema: spec.schema,
      table: spec.table,
      filter,
      ...(spec.select === undefined ? {} : { select: spec.select }),
      order: spec.key.map((column) => ({ column, direction: 'asc' as const })),
      ...(keyset === undefined ? {} : { limit: spec.pageSize }),
    });
    const page = await getPage(url, spec, ctx, signal);
    if (isLivebindError(page)) return page;
    for (const row of page) rows.push(row);
    if (keyset === undefined || page.length < spec.pageSize) return rows;
    const last = page[page.length - 1]![keyset];
    if (typeof last !== 'string' && typeof last !== 'number' && typeof last !== 'boolean') return rows;
    after = last;
  }
}

async function getPage(url: string, spec: PostgresFeedSpec, ctx: RestContext, signal: AbortSignal): Promise<Row[] | LivebindError> {
  for (let attempt = 0; ; attempt++) {
    const token = await ctx.token(attempt > 0);
    if (isLivebindError(token)) return token;
    let status: number;
    let body: string;
    try {
      const response = await ctx.fetch(url, { headers: restHeaders(ctx.apikey, token, spec.schema), signal });
      status = response.status;
      body = await response.text();
    } catch (error) {
      return new ConnectionError(`GET /rest/v1/${spec.table} failed (network); retrying.`, { code: 'HTTP_FAILED', cause: error });
    }
    const rows = parseRestRows(status, body, spec.table);
    if (isLivebindError(rows) && rows.kind === 'auth' && attempt === 0 && status === 401) continue;
    return rows;
  }
}
