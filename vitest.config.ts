import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// React 18 copies for the `react18` project (workspace test/react18). Every entry point is
// aliased so the bindings, the tests and @testing-library/react share ONE React instance.
const react18 = (path: string): string => fileURLToPath(new URL(`./test/react18/node_modules/${path}`, import.meta.url));
const react18Aliases = [
  { find: /^react$/, replacement: react18('react/index.js') },
  { find: /^react\/jsx-runtime$/, replacement: react18('react/jsx-runtime.js') },
  { find: /^react\/jsx-dev-runtime$/, replacement: react18('react/jsx-dev-runtime.js') },
  { find: /^react-dom$/, replacement: react18('react-dom/index.js') },
  { find: /^react-dom\/client$/, replacement: react18('react-dom/client.js') },
  { find: /^react-dom\/server$/, replacement: react18('react-dom/server.node.js') },
  { find: /^@testing-library\/react$/, replacement: react18('@testing-library/react/dist/index.js') },
];

const svelteClient = (path: string): string => fileURLToPath(new URL(`./node_modules/svelte/src/${path}`, import.meta.url));
const svelteClientAliases = [
  { find: /^svelte$/, replacement: svelteClient('index-client.js') },
  { find: /^svelte\/reactivity$/, replacement: svelteClient('reactivity/index-client.js') },
  { find: /^svelte\/store$/, replacement: svelteClient('store/index-client.js') },
];

const solidClient = (path: string): string => fileURLToPath(new URL(`./node_modules/solid-js/${path}`, import.meta.url));
const solidClientAliases = [
  { find: /^solid-js$/, replacement: solidClient('dist/solid.js') },
  { find: /^solid-js\/web$/, replacement: solidClient('web/dist/web.js') },
  { find: /^solid-js\/store$/, replacement: solidClient('store/dist/store.js') },
];

// Debian's Chromium (installed by .ci/run); never a downloaded browser.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

// Test projects (see README "Tests"):
//   unit         pure logic, fake sockets and fake timers            test/**/*.test.ts
//   integration  against the real dev server on a free port          test/**/*.int.test.ts
//   browser      the core client in real Chromium vs the dev server  test/browser/**/*.browser.test.ts
//   react19      React bindings (jsdom) vs the real dev server        test/react/**/*.test.tsx
//   react18      the same tests with react/react-dom aliased to test/react18/node_modules
//   types        type tests (expectTypeOf) for the public generics     test/**/*.test-d.ts
//   stories      every Storybook demo story (play function) in real Chromium vs the dev server  stories/**/*.stories.tsx
// More projects (react19, react18, browser, types) are added beside these.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/browser/**', 'test/react/**', 'test/conformance/**', 'test/ssr/**', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.browser.test.ts'],
          globalSetup: ['test/browser/globalSetup.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'react19',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/react/**/*.test.tsx'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias: react18Aliases },
        test: {
          name: 'react18',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/react/**/*.test.tsx'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // Adapter conformance (test/conformance): one scenario list, one driver per framework, real dev server.
      {
        test: {
          name: 'adapters-react19',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/conformance/react.conformance.test.tsx', 'test/conformance/tanstack.conformance.test.tsx'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias: react18Aliases },
        test: {
          name: 'adapters-react18',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/conformance/react.conformance.test.tsx'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'adapters-vue',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          // Server rendering (vue/server-renderer) and hydration: test/ssr/vue.ssr.test.ts.
          include: ['test/conformance/vue.conformance.test.ts', 'test/ssr/vue.ssr.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [svelte()],
        // Svelte's client runtime (its `browser` condition) without flipping every package to
        // its browser build (ws, PGlite: the dev server runs in this process).
        resolve: { alias: svelteClientAliases },
        test: {
          name: 'adapters-svelte',
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/conformance/svelte.conformance.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Svelte server rendering (test/ssr/svelte.ssr.test.ts): the node environment transforms for
        // SSR, so vite-plugin-svelte compiles components and .svelte.ts modules with generate: 'server',
        // and svelte resolves to its server runtime (no `browser` condition, no alias).
        plugins: [svelte()],
        test: {
          name: 'adapters-svelte-ssr',
          environment: 'node',
          include: ['test/ssr/svelte.ssr.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // No JSX in these tests, so no vite-plugin-solid: Solid's client builds by alias, inlined so
        // solid-js/web and solid-js/store share the one aliased solid-js.
        resolve: { alias: solidClientAliases },
        test: {
          name: 'adapters-solid',
          server: { deps: { inline: [/solid-js/] } },
          environment: 'jsdom',
          setupFiles: ['test/react/setupJsdom.ts'],
          include: ['test/conformance/solid.conformance.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Solid server rendering (test/ssr/solid.ssr.test.ts): no alias, so Node's `node` condition
        // resolves solid-js, solid-js/web and solid-js/store to their server builds (isServer = true).
        test: {
          name: 'adapters-solid-ssr',
          environment: 'node',
          include: ['test/ssr/solid.ssr.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Storybook's Vitest addon turns every story in stories/ into a test (render + play).
        plugins: [storybookTest({ configDir: fileURLToPath(new URL('./.storybook', import.meta.url)), storybookScript: 'npm run storybook -- --ci' })],
        test: {
          name: 'stories',
          globalSetup: ['test/stories/globalSetup.ts'],
          setupFiles: ['test/stories/setup.ts'],
          // One story file at a time: the stories share one dev server and two cores on CI; the
          // 100k-row dashboard loads faster alone than beside three others.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
            viewport: { width: 1280, height: 820 },
          },
        },
      },
      {
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
            ignoreSourceErrors: true,
          },
        },
      },
    ],
  },
});
