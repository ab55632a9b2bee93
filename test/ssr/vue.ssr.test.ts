// Vue server rendering (vue/server-renderer's renderToString) and hydration (createSSRApp().mount)
// with real clients and a real dev server: the server render shows the server snapshot and touches
// no network; hydration matches the server HTML and then goes live.
import { createSSRApp, defineComponent, h, type PropType } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { afterEach, expect, test, vi } from 'vitest';
import { livebind, useBroadcast, useChannelState, useConnectionState, useLiveQuery, usePresence, useSend, useTrack } from '../../adapters/vue/index.js';
import { shallow } from '../../src/index.js';
import type { PresenceSnapshot } from '../../src/channel/types.js';
import type { LivebindClient } from '../../src/types.js';
import { expectNoNetwork, INITIAL, keepRowsLive, perFileSsrBackend, serverActivity, testServerSnapshotWins, type Item } from './ssrBackend.js';

const backend = perFileSsrBackend();
const names = (p: PresenceSnapshot<{ name: string }>) => p.members.map((m) => m.meta.name).sort();
const containers: HTMLElement[] = [];
const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const u of unmounts.splice(0)) u();
  for (const c of containers.splice(0)) c.remove();
});

/** Every composable of livebind/vue in one page. */
const Page = defineComponent({
  props: { topic: { type: String, required: true }, initialData: { type: Array as PropType<readonly Item[]>, default: undefined } },
  setup(props) {
    const q = useLiveQuery<Item>(backend().sql, () => [3], { orderBy: 'id', initialData: props.initialData });
    const socket = useConnectionState();
    const present = usePresence(props.topic, { selector: names, isEqual: shallow });
    const channel = useChannelState(props.topic);
    useTrack(props.topic, () => ({ name: 'ann' }));
    useBroadcast(props.topic, 'ping', () => {});
    useSend(props.topic);
    return () =>
      h('main', { 'data-status': q.value.status, 'data-socket': socket.value.status, 'data-channel': channel.value.status, 'data-present': present.value.join(' ') }, [
        h('ul', q.value.rows.map((r) => h('li', { key: r.id }, r.label))),
      ]);
  },
});

const app = (client: LivebindClient, topic: string, initialData?: readonly Item[]) =>
  createSSRApp(Page, { topic, ...(initialData === undefined ? {} : { initialData }) }).use(livebind(client));

test('renderToString shows initialData (status loading) and opens no socket, starts no subscription, joins no channel', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = await renderToString(app(counted.client, `room:${Math.random()}`, INITIAL));
  expect(html).toBe('<main data-status="loading" data-socket="idle" data-channel="idle" data-present><ul><li>from the server render</li></ul></main>');
  await expectNoNetwork(backend(), counted, before);
});

test('without initialData the server renders the empty loading state', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const html = await renderToString(app(counted.client, `room:${Math.random()}`));
  expect(html).toContain('data-status="loading"');
  expect(html).toContain('<ul></ul>');
  await expectNoNetwork(backend(), counted, before);
});

testServerSnapshotWins(backend, (client, initialData) => renderToString(app(client, `room:${Math.random()}`, initialData)));

/** Hydrates the server HTML with `client` (the page with INITIAL) and asserts Vue reported no hydration mismatch. */
function hydrate(html: string, client: LivebindClient, topic: string): HTMLDivElement {
  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.appendChild(container);
  containers.push(container);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const a = app(client, topic, INITIAL);
    a.mount(container);
    unmounts.push(() => a.unmount());
    const problems = [...warn.mock.calls, ...error.mock.calls].map((c) => String(c[0]));
    expect(problems.filter((p) => /hydration|mismatch/i.test(p))).toEqual([]);
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
  return container;
}

test('hydration of the server HTML matches, then subscribes and shows live rows and presence', async () => {
  const topic = `room:${Math.random()}`;
  const html = await renderToString(app(backend().client().client, topic, INITIAL));
  const browser = backend().client();
  const container = hydrate(html, browser.client, topic);
  await vi.waitFor(() => expect(container.querySelectorAll('li')).toHaveLength(2), { timeout: 10_000 });
  expect(container.textContent).toBe('live onelive two');
  await vi.waitFor(() => expect(container.querySelector('main')?.dataset.present).toBe('ann'), { timeout: 10_000 });
  expect(browser.sockets()).toBe(2); // rows and channels: one socket each
});

test('hydration renders the server snapshot even when the browser client already holds the rows, then shows them', async () => {
  const topic = `room:${Math.random()}`;
  const html = await renderToString(app(backend().client().client, topic, INITIAL));
  const browser = backend().client();
  // The browser client runs the page's query before the page hydrates.
  const release = await keepRowsLive(backend(), browser.client);
  const container = hydrate(html, browser.client, topic);
  await vi.waitFor(() => expect(container.textContent).toBe('live onelive two'), { timeout: 10_000 });
  expect(container.querySelector('main')?.dataset.status).toBe('ready');
  release();
});

test('control: a client-side mount does open the socket (the counters above can fail)', async () => {
  const counted = backend().client();
  const before = serverActivity(backend().server);
  const container = document.createElement('div');
  document.body.appendChild(container);
  containers.push(container);
  const a = app(counted.client, `room:${Math.random()}`);
  a.mount(container);
  unmounts.push(() => a.unmount());
  await vi.waitFor(() => expect(container.querySelectorAll('li')).toHaveLength(2), { timeout: 10_000 });
  expect(counted.sockets()).toBeGreaterThan(0);
  expect(serverActivity(backend().server).subscriptionsStarted).toBeGreaterThan(before.subscriptionsStarted);
});
