import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

// The story tests (project `stories`) run every demo story in real Chromium against a dev server
// started here with the demo seed, on a free loopback port; the stories read its URL from
// `globalThis.__LIVEBIND_DEV_SERVER_URL__` (set in setup.ts), never from a fixed port.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { startDevServer } = await import('../../server/devServer.js');
  const server = await startDevServer({ port: 0, seed: 'demo', quiet: true });
  const screenshots = fileURLToPath(new URL('../../.test-results/stories/', import.meta.url));
  mkdirSync(screenshots, { recursive: true });
  project.provide('storiesDevServerUrl', server.url);
  project.provide('storiesScreenshotDir', screenshots);
  return () => server.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    storiesDevServerUrl: string;
    storiesScreenshotDir: string;
  }
}
