/**
 * `play` helpers for livebind stories: they wait for live state to show up in the DOM, never for
 * a fixed time. Components mark a live query with `liveQueryAttributes(name, result)`
 * (`data-live-query`, `data-status`, `data-size`) and the socket with `data-connection`.
 */
import { waitFor } from 'storybook/test';
import type { ConnectionStatus, LiveStatus } from '../src/index.js';

/** How long a helper waits before it fails (the dev server and the machine may be busy). */
export const LIVE_TIMEOUT_MS = 20_000;
const options = { timeout: LIVE_TIMEOUT_MS, interval: 50 };

/** DOM attributes that let play functions (and people in devtools) see a live query's state. */
export function liveQueryAttributes(
  name: string,
  result: { readonly status: LiveStatus; readonly snapshot: { readonly size: number } },
): Record<string, string> {
  return { 'data-live-query': name, 'data-status': result.status, 'data-size': String(result.snapshot.size) };
}

function query(root: HTMLElement, selector: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (el === null) throw new Error(`Nothing matches ${selector} yet`);
  return el;
}

/** Waits until the live query `name` (optionally the n-th one with that name) is ready; returns its element. */
export async function waitForQueryReady(root: HTMLElement, name: string, index = 0, timeout = LIVE_TIMEOUT_MS): Promise<HTMLElement> {
  return waitFor(() => {
    const el = root.querySelectorAll<HTMLElement>(`[data-live-query="${name}"]`)[index];
    if (el === undefined) throw new Error(`No element with data-live-query="${name}" (#${index}) yet`);
    if (el.dataset['status'] !== 'ready') throw new Error(`Live query "${name}" is ${el.dataset['status']}, not ready`);
    return el;
  }, { ...options, timeout });
}

/** Waits until every element marked `data-live-query="name"` is ready. */
export async function waitForAllQueriesReady(root: HTMLElement, name: string): Promise<HTMLElement[]> {
  return waitFor(() => {
    const all = [...root.querySelectorAll<HTMLElement>(`[data-live-query="${name}"]`)];
    if (all.length === 0) throw new Error(`No element with data-live-query="${name}" yet`);
    const waiting = all.filter((el) => el.dataset['status'] !== 'ready');
    if (waiting.length > 0) throw new Error(`${waiting.length} of ${all.length} "${name}" queries are not ready`);
    return all;
  }, options);
}

/** Waits until the element marked `data-connection` (optionally within `selector`) shows `status`. */
export async function waitForConnection(root: HTMLElement, status: ConnectionStatus, selector = '[data-connection]'): Promise<HTMLElement> {
  return waitFor(() => {
    const el = query(root, selector);
    if (el.dataset['connection'] !== status) throw new Error(`Connection is ${el.dataset['connection']}, waiting for ${status}`);
    return el;
  }, options);
}

/** Waits until `predicate(element)` holds for the element matching `selector`. */
export async function waitForElement(
  root: HTMLElement,
  selector: string,
  predicate: (el: HTMLElement) => boolean = () => true,
  what = `${selector} to match`,
): Promise<HTMLElement> {
  return waitFor(() => {
    const el = query(root, selector);
    if (!predicate(el)) throw new Error(`Still waiting for ${what}`);
    return el;
  }, options);
}

/** Waits until some element within `root` (or `within`) shows `text`. */
export async function waitForText(root: HTMLElement, text: string): Promise<void> {
  await waitFor(() => {
    if (!(root.textContent ?? '').includes(text)) throw new Error(`"${text}" is not shown yet`);
  }, options);
}
