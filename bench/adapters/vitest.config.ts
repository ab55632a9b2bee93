// The adapter render benchmarks (not part of npm test): `npx vitest run -c bench/adapters/vitest.config.ts`.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const at = (path: string): string => fileURLToPath(new URL(`../../node_modules/${path}`, import.meta.url));
const jsdom = { environment: 'jsdom', testTimeout: 600_000, fileParallelism: false } as const;

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'bench-vue', include: ['bench/adapters/vue.run.ts'], ...jsdom } },
      { test: { name: 'bench-tanstack', include: ['bench/adapters/tanstack.run.tsx'], ...jsdom } },
      {
        plugins: [svelte()],
        resolve: { alias: [{ find: /^svelte$/, replacement: at('svelte/src/index-client.js') }, { find: /^svelte\/reactivity$/, replacement: at('svelte/src/reactivity/index-client.js') }] },
        test: { name: 'bench-svelte', include: ['bench/adapters/svelte.run.ts'], ...jsdom },
      },
      {
        resolve: { alias: [{ find: /^solid-js$/, replacement: at('solid-js/dist/solid.js') }, { find: /^solid-js\/web$/, replacement: at('solid-js/web/dist/web.js') }, { find: /^solid-js\/store$/, replacement: at('solid-js/store/dist/store.js') }] },
        test: { name: 'bench-solid', include: ['bench/adapters/solid.run.ts'], server: { deps: { inline: [/solid-js/] } }, ...jsdom },
      },
    ],
  },
});
