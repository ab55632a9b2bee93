import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../server/devServer.js';

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer({ seed: 'demo', quiet: true, links: [{ label: 'Storybook demos', href: 'http://127.0.0.1:6006' }] });
});
afterAll(() => server.close());

describe('GET / (start page)', () => {
  it('shows what runs: demo logins, namespaces and tables with their columns, endpoints, links', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<code>demo</code> / <code>demo</code>');
    expect(html).toContain('<code>admin</code> / <code>kalamdb123</code>');
    expect(html).toContain('<code>app.messages</code>');
    expect(html).toMatch(/<code>app\.todos<\/code> <small>user<\/small>/);
    expect(html).toContain('id (pk)');
    expect(html).toContain('/v1/ws');
    expect(html).toContain('href="http://127.0.0.1:6006"');
    // The Supabase Realtime endpoint, with this server's address.
    expect(html).toContain(`<code>${server.realtimeUrl}</code>`);
    expect(html).toContain('/realtime/v1/websocket');
    expect(html).toContain(`createClient('${server.url}', 'any-key')`);
    expect(html).not.toContain('_seq');
  });

  it('answers JSON to Accept: application/json', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } });
    const body = (await res.json()) as { tables: { name: string; type: string }[]; demo_logins: unknown[]; supabase: { realtime_url: string; rest_url: string } };
    expect(body.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['app.messages', 'app.todos', 'app.metrics']));
    expect(body.supabase).toEqual({ url: server.url, realtime_url: server.realtimeUrl, rest_url: `${server.url}/rest/v1` });
    expect((body.demo_logins as { user: string }[]).map((l) => l.user)).toEqual(expect.arrayContaining(['demo', 'admin', 'alice', 'bob']));
  });

  it('an unseeded server lists no logins, and unknown paths still get 404', async () => {
    const empty = await startDevServer({ quiet: true });
    try {
      const html = await (await fetch(`${empty.url}/`)).text();
      expect(html).toContain('None seeded');
      expect(html).toContain('No tables yet');
      expect((await fetch(`${empty.url}/nope`)).status).toBe(404);
    } finally {
      await empty.close();
    }
  });
});
