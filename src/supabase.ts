/**
 * `livebind/supabase`: the Supabase Realtime driver, importable on its own so an app bundles only
 * the protocol it uses: `createClient({ driver: supabaseDriver({ url, apikey }), auth })`. Live rows,
 * presence and broadcast share one Phoenix socket.
 *
 * - `url`: the project URL; the socket is `<url>/realtime/v1/websocket`, initial rows come from `<url>/rest/v1`.
 * - `apikey`: the anon/publishable key; without `auth` it is also the token (as in supabase-js).
 * - `auth`: `{ token }` or an async provider (e.g. supabase-js's session token). `{ user, password }`
 *   logs in through the livebind DEV SERVER's `/v1/api/auth/login` only; real projects sign in with supabase-js.
 * - `vsn`: `'2.0.0'` (default, binary broadcasts) or `'1.0.0'`.
 * - `liveRows`/`changes` take `SELECT … FROM [schema.]table [WHERE col op literal AND …]` with
 *   `=, <>, <, <=, >, >=, IN`; `query`/`execute` reject with UnsupportedError (no SQL endpoint).
 */
export { supabaseDriver, SupabaseDriver, SUPABASE_MAX_FRAME_BYTES } from './protocol/supabase/supabaseDriver.js';
export type { SupabaseDriverOptions } from './protocol/supabase/supabaseDriver.js';
export type { PhoenixVsn } from './protocol/supabase/serializer.js';
export type { FilterCondition, FilterOp, FilterScalar, RowFilter } from './protocol/supabase/postgresFilter.js';
