// Svelte 5 server rendering (svelte/server's render, components compiled with generate: 'server')
// with a real client and dev server: the server render shows the server snapshot and touches no network.
import { render } from 'svelte/server';
import { expect, test } from 'vitest';
import { expectNoNetwork, INITIAL, perFileSsrBackend, serverActivity, testCountersSeeSubscriptions, testServerSnapshotWins } from './ssrBackend.js';
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

testServerSnapshotWins(backend, (client, initialData) => renderPage({ client, sql: backend().sql, topic: `room:${Math.random()}`, initialData }));
testCountersSeeSubscriptions(backend);

