import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import type { TableInfo } from '../engine/types.js';
import { sendJson } from './httpIo.js';

export interface HomePageInfo {
  /** Logins worth showing (the seeded demo accounts); empty when the server was not seeded. */
  readonly demoLogins: readonly { readonly user: string; readonly password: string; readonly role: string }[];
  /** Extra links (e.g. the Storybook demos started beside the server by `npm start`). */
  readonly links?: readonly { readonly label: string; readonly href: string }[];
  /** The Supabase Realtime endpoint, `/rest/v1` and `/api/broadcast` are served (server/supabase/). */
  readonly supabase?: boolean;
  readonly version: string;
}

/**
 * `GET /`: a small page for a person who opened the server in a browser: what is running, the demo
 * logins, the namespaces and tables, the endpoints and where to read more. Loopback callers only
 * (it lists table names and the demo passwords); `Accept: application/json` gets the same as JSON.
 */
export async function sendHomePage(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  engine: PgliteEngine,
  info: HomePageInfo,
  headers: Record<string, string>,
): Promise<void> {
  const tables = (await engine.internalQuery('SELECT info FROM livebind.tables ORDER BY qualified_name')).map(
    (r) => (r as { info: TableInfo }).info,
  );
  const host = req.headers.host ?? '127.0.0.1';
  const endpoints = [
    { path: '/v1/api/sql', what: 'POST SQL with $n parameters (Bearer token)' },
    { path: '/v1/api/auth/login', what: 'POST {"username","password"} for an access and a refresh token' },
    { path: '/v1/ws', what: 'KalamDB live queries over WebSocket' },
    { path: '/health', what: 'health check' },
  ];
  if (info.supabase === true) {
    endpoints.splice(
      3,
      0,
      { path: '/realtime/v1/websocket', what: 'Supabase Realtime (Phoenix channels: broadcast, presence, postgres_changes) for realtime-js / supabase-js' },
      { path: '/rest/v1/<table>', what: 'Supabase-style GET reads (PostgREST filters, Bearer token)' },
      { path: '/api/broadcast', what: 'Supabase REST broadcast (POST)' },
    );
  }
  const supabase =
    info.supabase === true ? { url: `http://${host}`, realtime_url: `ws://${host}/realtime/v1`, rest_url: `http://${host}/rest/v1` } : undefined;
  if (/\bapplication\/json\b/.test(req.headers.accept ?? '')) {
    sendJson(
      res,
      200,
      {
        name: 'livebind dev server',
        version: info.version,
        demo_logins: info.demoLogins,
        tables: tables.map((t) => ({ name: t.qualifiedName, type: t.type, access_level: t.accessLevel ?? null })),
        endpoints,
        ...(supabase === undefined ? {} : { supabase }),
        links: info.links ?? [],
      },
      headers,
    );
    return;
  }
  const byNamespace = new Map<string, TableInfo[]>();
  for (const t of tables) byNamespace.set(t.namespace, [...(byNamespace.get(t.namespace) ?? []), t]);
  const namespaces = [...byNamespace]
    .map(
      ([ns, list]) =>
        `<h3>${esc(ns)}</h3><ul>${list
          .map((t) => {
            const cols = t.columns.filter((c) => !c.system).map((c) => `${esc(c.name)}${c.flags.includes('pk') ? ' (pk)' : ''}`);
            const kind = `${t.type}${t.type === 'shared' ? `, ${t.accessLevel}` : ''}`.toLowerCase();
            return `<li><code>${esc(t.qualifiedName)}</code> <small>${esc(kind)}</small><br><small>${cols.join(', ')}</small></li>`;
          })
          .join('')}</ul>`,
    )
    .join('');
  const logins = info.demoLogins.length
    ? `<ul>${info.demoLogins.map((l) => `<li><code>${esc(l.user)}</code> / <code>${esc(l.password)}</code> <small>(role ${esc(l.role)})</small></li>`).join('')}</ul>`
    : '<p>None seeded (start with <code>--seed demo</code> for demo users and tables).</p>';
  const supabaseSection =
    supabase === undefined
      ? ''
      : `<h2>Supabase</h2><p>Realtime endpoint: <code>${esc(supabase.realtime_url)}</code> (realtime-js appends <code>/websocket</code>; any <code>apikey</code>).
With supabase-js: <code>createClient('${esc(supabase.url)}', 'any-key')</code>, then <code>setAuth(access_token)</code> with a token from
<code>/v1/api/auth/login</code>. Reads: <code>${esc(supabase.rest_url)}/&lt;table&gt;</code>.</p>`;
  const links = (info.links ?? []).map((l) => `<li><a href="${esc(l.href)}">${esc(l.label)}</a></li>`).join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>livebind dev server</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #e3e6ee}h3{font-size:1rem;margin-bottom:.2rem}
code{background:#f2f4f8;padding:0 .25rem;border-radius:3px}small{color:#5b6475}li{margin:.25rem 0}</style></head><body>
<h1>livebind dev server <small>${esc(info.version)}</small></h1>
<p>Running on <code>${esc(host)}</code>: a KalamDB-compatible SQL and live-query server backed by PGlite (Postgres in WebAssembly).</p>
<h2>Demo logins</h2>${logins}
<h2>Namespaces and tables</h2>${namespaces || '<p>No tables yet: create some with <code>CREATE NAMESPACE</code> and <code>CREATE SHARED TABLE</code> as a dba user.</p>'}
<h2>Endpoints</h2><ul>${endpoints.map((e) => `<li><code>${esc(e.path)}</code> ${esc(e.what)}</li>`).join('')}</ul>
${supabaseSection}
<h2>Links</h2><ul>${links}<li><a href="/health">/health</a></li><li>Docs: README.md and docs/ in the livebind repo (client, React hooks, this server)</li></ul>
</body></html>`;
  res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
