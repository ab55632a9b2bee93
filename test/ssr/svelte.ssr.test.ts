// Svelte 5 server rendering (svelte/server's render, components compiled with generate: 'server')
// with a real client and dev server: the server render shows the server snapshot and touches no network.
import { render } from 'svelte/server';
import { expect, test, vi } from 'vitest';
import { expectNoNetwork, INITIAL, perFileSsrBackend, serverActivity, type Item } from './ssrBackend.js';
import Page from './svelte/Page.svelte';

const backend = perFileSsrBackend();

/** The rendered body without Svelte's hydration markers (`<!--[-->` and the like). */
const renderPage = (props: Record<string, unknown>): string => render(Page, { props }).body.replace(/<!--.*?-->/g, '');

test('render shows initialData (status loading) and opens no socket, starts no subscription, joins no channel', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = renderPage({ client: counted.client, sql: backend().sql, topic: `room:${Math.random()}`, initialData: INITIAL });
  expect(html).toContain('<main data-status="loading" data-store-status="loading" data-socket="idle" data-channel="idle" data-present="" data-store-present="0">');
  expect(html).toContain('<li>from the server render</li>');
  await expectNoNetwork(backend(), counted, before);
});

test('without initialData the server renders the empty loading state', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = renderPage({ client: counted.client, sql: backend().sql, topic: `room:${Math.random()}` });
  expect(html).toContain('data-status="loading"');
  expect(html).not.toContain('<li>');
  await expectNoNetwork(backend(), counted, before);
});

test('a server-side client that already holds the rows still renders the server snapshot (what hydration renders)', async () => {
  const counted = backend().client();
  const source = counted.client.liveRows<Item>(backend().sql, { params: [3], orderBy: 'id' });
  const keep = source.subscribe(() => {});
  await vi.waitFor(() => expect(source.getSnapshot().status).toBe('ready'), { timeout: 10_000 });
  const html = renderPage({ client: counted.client, sql: backend().sql, topic: `room:${Math.random()}`, initialData: INITIAL });
  expect(html).toContain('<li>from the server render</li>');
  expect(html).not.toContain('live one');
  keep.unsubscribe();
});

test('control: subscribing on the server-side client is seen by the counters (the checks above can fail)', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const source = counted.client.liveRows<Item>(backend().sql, { params: [3] });
  const keep = source.subscribe(() => {});
  await vi.waitFor(() => expect(source.getSnapshot().status).toBe('ready'), { timeout: 10_000 });
  keep.unsubscribe();
  expect(counted.sockets()).toBe(1);
  expect(serverActivity(backend().server).subscriptionsStarted).toBe(before.subscriptionsStarted + 1);
});
