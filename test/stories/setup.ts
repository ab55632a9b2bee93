// Browser-side setup of the `stories` project: points the stories at the dev server that
// globalSetup.ts started, and saves a screenshot of every story after its play function
// (.test-results/stories/<story-id>.png), passed or failed, for people to look at.
import { afterEach, inject } from 'vitest';
import { page } from 'vitest/browser';

globalThis.__LIVEBIND_DEV_SERVER_URL__ = inject('storiesDevServerUrl');
const screenshotDir = inject('storiesScreenshotDir');

afterEach(async (context) => {
  const storyId = (context.task.meta as { storyId?: string }).storyId ?? context.task.name;
  const file = storyId.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  await page.screenshot({ path: `${screenshotDir}${file}.png` });
});
