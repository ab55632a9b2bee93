/**
 * The server half of bench/initial-load.ts: a dev server with the 100,000-row `bench.big` SHARED table
 * (and the empty `bench.warm` used to open the socket), plus optional spans around the server's page
 * read (engine.readRows) and message send (JSON → frame → ws.send). Used in the bench's own process
 * (default) or in a child process of its own (SPLIT=1, bench/initialLoadServerProcess.ts).
 */
import { performance } from 'node:perf_hooks';
import { startDevServer } from '../server/devServer.js';
import { KalamConnection } from '../server/kalamdb/ws/KalamConnection.js';

export interface ServerSpans {
  readRows: number;
  readCalls: number;
  serverSend: number;
  serverFrames: number;
  serverBytes: number;
}

export interface LoadServer {
  readonly url: string;
  readonly seedMs: number;
  readonly spans: ServerSpans;
  resetSpans(): void;
  close(): Promise<void>;
}

export const BENCH_USER = { user: 'bench', password: 'bench-pass', role: 'dba' } as const;

export async function startLoadServer(rows: number, profile: boolean): Promise<LoadServer> {
  const server = await startDevServer({ port: 0, quiet: true, users: [BENCH_USER] });
  const spans: ServerSpans = { readRows: 0, readCalls: 0, serverSend: 0, serverFrames: 0, serverBytes: 0 };
  if (profile) {
    const engine = server.engine;
    const readRows = engine.readRows.bind(engine);
    engine.readRows = async (...args: Parameters<typeof readRows>) => {
      const t0 = performance.now();
      try {
        return await readRows(...args);
      } finally {
        spans.readRows += performance.now() - t0;
        spans.readCalls++;
      }
    };
    // JSON → frame → ws.send on the event loop: `send`, or (where frames are prepared ahead and
    // large ones gzipped on the threadpool) `prepare` + `sendPrepared`, which `send` calls.
    const proto = KalamConnection.prototype as unknown as Record<string, (this: unknown, ...a: unknown[]) => unknown>;
    const timed = (name: string, count: (args: unknown[]) => void) => {
      const fn = proto[name]!;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const t0 = performance.now();
        try {
          return fn.apply(this, args);
        } finally {
          spans.serverSend += performance.now() - t0;
          count(args);
        }
      };
    };
    const countJson = (args: unknown[]) => {
      spans.serverFrames++;
      spans.serverBytes += (args[0] as string).length;
    };
    if (typeof proto['prepare'] === 'function') {
      timed('prepare', countJson);
      timed('sendPrepared', () => undefined);
    } else {
      timed('send', countJson);
    }
  }
  const bench = { id: BENCH_USER.user, role: BENCH_USER.role };
  await server.engine.executeSql(bench, {
    sql: `CREATE NAMESPACE IF NOT EXISTS bench;
      CREATE SHARED TABLE bench.big (id BIGINT PRIMARY KEY, name TEXT, qty INT, note TEXT);
      CREATE SHARED TABLE bench.warm (id BIGINT PRIMARY KEY)`,
  });
  const seed0 = performance.now();
  // INSERT … SELECT as the superuser in 1,000-row statements (triggers give every row its _seq, as
  // over HTTP; one statement per 1,000 rows keeps the SeqId row's update chain short).
  for (let start = 0; start < rows; start += 1000) {
    const end = Math.min(rows, start + 1000) - 1;
    await server.engine.internalQuery(
      `INSERT INTO "bench"."big" (id, name, qty, note) SELECT i, 'name-' || i, i % 97, 'note about row ' || i FROM generate_series(${start}, ${end}) AS i`,
    );
  }
  const seedMs = performance.now() - seed0;
  return {
    url: server.url,
    seedMs,
    spans,
    resetSpans: () => {
      for (const k of Object.keys(spans) as (keyof ServerSpans)[]) spans[k] = 0;
    },
    close: () => server.close(),
  };
}
