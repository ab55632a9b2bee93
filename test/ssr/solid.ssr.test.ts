// Solid server rendering (renderToString of solid-js/web's server build: this project resolves
// solid-js by Node's `node` condition, so `isServer` is true) with a real client and dev server:
// the server render shows the server snapshot and touches no network. No JSX (no compiler plugin):
// the page writes its HTML with `ssr`/`escape`, as compiled Solid server code does.
import { createComponent, type JSX } from 'solid-js';
import { escape, isServer, renderToString, ssr } from 'solid-js/web';
import { expect, test } from 'vitest';
import { createBroadcast, createChannelState, createConnectionState, createLiveQuery, createPresence, createSend, createTrack, LivebindProvider } from '../../adapters/solid/index.js';
import { shallow } from '../../src/index.js';
import type { PresenceSnapshot } from '../../src/channel/types.js';
import type { LivebindClient } from '../../src/types.js';
import { expectNoNetwork, INITIAL, perFileSsrBackend, serverActivity, testCountersSeeSubscriptions, testServerSnapshotWins, type Item } from './ssrBackend.js';

const backend = perFileSsrBackend();
const names = (p: PresenceSnapshot<{ name: string }>) => p.members.map((m) => m.meta.name).sort();

/** Every primitive of livebind/solid in one page. */
function Page(props: { topic: string; initialData?: readonly Item[] | undefined }): JSX.Element {
  const q = createLiveQuery<Item>(backend().sql, () => [3], { orderBy: 'id', initialData: props.initialData });
  const socket = createConnectionState();
  const present = createPresence(props.topic, { selector: names, isEqual: shallow });
  const channel = createChannelState(props.topic);
  createTrack(props.topic, () => ({ name: 'ann' }));
  createBroadcast(props.topic, 'ping', () => {});
  createSend(props.topic);
  return ssr(
    ['<main data-status="', '" data-result-status="', '" data-socket="', '" data-channel="', '" data-present="', '"><ul>', '</ul></main>'],
    escape(q.status),
    escape(q.result().status),
    escape(socket().status),
    escape(channel().status),
    escape(present().join(' ')),
    q.rows.map((r) => ssr(['<li>', '</li>'], escape(r.label))),
  ) as unknown as JSX.Element;
}

const renderPage = (client: LivebindClient, initialData?: readonly Item[]): string =>
  renderToString(() =>
    createComponent(LivebindProvider, {
      client,
      get children() {
        return createComponent(Page, { topic: `room:${Math.random()}`, initialData });
      },
    }),
  );

test('this project runs Solid\'s server build', () => {
  expect(isServer).toBe(true);
});

test('renderToString shows initialData (status loading) and opens no socket, starts no subscription, joins no channel', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = renderPage(counted.client, INITIAL);
  expect(html).toBe('<main data-status="loading" data-result-status="loading" data-socket="idle" data-channel="idle" data-present=""><ul><li>from the server render</li></ul></main>');
  await expectNoNetwork(backend(), counted, before);
});

test('without initialData the server renders the empty loading state', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = renderPage(counted.client);
  expect(html).toContain('data-status="loading"');
  expect(html).toContain('<ul></ul>');
  await expectNoNetwork(backend(), counted, before);
});

testServerSnapshotWins(backend, renderPage);
testCountersSeeSubscriptions(backend);

