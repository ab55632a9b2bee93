import type { TestProject } from 'vitest/node';

// Browser tests talk to a real dev server started here, in Node, on a free loopback port.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { startDevServer } = await import('../../server/devServer.js');
  const server = await startDevServer({
    port: 0,
    seed: 'none',
    quiet: true,
    users: [{ user: 'browser', password: 'browser-pass', role: 'dba' }],
  });
  project.provide('devServerUrl', server.url);
  return () => server.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    devServerUrl: string;
  }
}
