/**
 * Where the demos find the dev server, first match wins:
 * 1. `globalThis.__LIVEBIND_DEV_SERVER_URL__`: set by the story tests (test/stories/setup.ts) to
 *    the server their global setup started on a free port;
 * 2. the preview URL's `?livebindUrl=` query parameter (open `iframe.html?id=...&livebindUrl=...`);
 * 3. `STORYBOOK_LIVEBIND_URL` at Storybook start (scripts/start.mjs sets it from `LIVEBIND_PORT`);
 * 4. `http://127.0.0.1:8080`, the port `npm start` and `npm run dev-server` use.
 */
export const DEFAULT_DEV_SERVER_URL = 'http://127.0.0.1:8080';

declare global {
  var __LIVEBIND_DEV_SERVER_URL__: string | undefined;
}

export function devServerUrl(): string {
  const fromTests = globalThis.__LIVEBIND_DEV_SERVER_URL__;
  if (fromTests !== undefined && fromTests !== '') return fromTests;
  const fromQuery = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('livebindUrl');
  if (fromQuery !== null && fromQuery !== '') return fromQuery;
  const fromEnv = import.meta.env.STORYBOOK_LIVEBIND_URL as string | undefined;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_DEV_SERVER_URL;
}
