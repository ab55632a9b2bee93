import { defineConfig } from 'vitest/config';

// Test projects (see README "Tests"):
//   unit         pure logic, fake sockets and fake timers            test/**/*.test.ts
//   integration  against the real dev server on a free port          test/**/*.int.test.ts
// More projects (react19, react18, browser, types) are added beside these.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/browser/**', 'test/react/**', '**/node_modules/**'],
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
    ],
  },
});
