import type { TestProject } from 'vitest/node';

// Browser tests talk to a real dev server started here, in Node, on a free loopback port, directly
// or through a proxy that slows request bodies down (upload progress tests).
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { startDevServer } = await import('../../server/devServer.js');
  const { startThrottledProxy } = await import('./throttledProxy.js');
  const server = await startDevServer({
    port: 0,
    seed: 'none',
    quiet: true,
    users: [{ user: 'browser', password: 'browser-pass', role: 'dba' }],
  });
  const proxy = await startThrottledProxy(server.url, 8 * 1024 * 1024);
  project.provide('devServerUrl', server.url);
  project.provide('throttledDevServerUrl', proxy.url);
  return async () => {
    await proxy.close();
    await server.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    devServerUrl: string;
    /** The same server behind a proxy passing request bodies at 8 MiB/s. */
    throttledDevServerUrl: string;
  }
}
