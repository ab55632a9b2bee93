#!/usr/bin/env node
/** `livebind dev`: runs the embedded KalamDB-compatible dev server until SIGINT/SIGTERM. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEMO_USERS } from './engine/demoSeed.js';
import { startDevServer, type DevServer } from './devServer.js';

export const USAGE = `Usage: livebind dev [options]

Starts the livebind dev server: KalamDB-compatible HTTP SQL API, auth and /v1/ws live queries,
backed by an embedded Postgres (PGlite).

Options:
  --port <n>          TCP port (default 8080; 0 = any free port)
  --host <addr>       bind address (default 127.0.0.1)
  --data <dir>        persist the database in <dir> (default: in memory)
  --seed <demo|none>  demo users and tables (default none; npm start uses demo)
  -h, --help          show this help
`;

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly seed: 'demo' | 'none';
}

export class CliUsageError extends Error {}

/** Parses `dev [flags]`; returns 'help' for --help. Throws CliUsageError on bad input. */
export function parseCliArgs(argv: readonly string[]): CliOptions | 'help' {
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return 'help';
  if (argv.length === 0) throw new CliUsageError('Missing command (expected "dev")');
  const [command, ...rest] = argv;
  if (command !== 'dev') throw new CliUsageError(`Unknown command "${command}" (expected "dev")`);
  let port = 8080;
  let host = '127.0.0.1';
  let dataDir: string | undefined;
  let seed: 'demo' | 'none' = 'none';
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new CliUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new CliUsageError(`--port must be an integer from 0 to 65535, got "${v}"`);
        port = Number(v);
        break;
      }
      case '--host': {
        host = value();
        if (host === '') throw new CliUsageError('--host must not be empty');
        break;
      }
      case '--data': {
        dataDir = value();
        if (dataDir === '') throw new CliUsageError('--data must not be empty');
        break;
      }
      case '--seed': {
        const v = value();
        if (v !== 'demo' && v !== 'none') throw new CliUsageError(`--seed must be "demo" or "none", got "${v}"`);
        seed = v;
        break;
      }
      default:
        throw new CliUsageError(`Unknown option "${arg}"`);
    }
  }
  return { port, host, dataDir, seed };
}

/** Runs the CLI; resolves with the exit code once the server has stopped (or failed to start). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let opts: CliOptions | 'help';
  try {
    opts = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof CliUsageError) {
      process.stderr.write(`livebind: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let server: DevServer;
  try {
    server = await startDevServer({
      port: opts.port,
      host: opts.host,
      seed: opts.seed,
      quiet: true,
      reuseTemplate: false,
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? `port ${opts.port} is already in use (try --port 0)` : e instanceof Error ? e.message : String(e);
    process.stderr.write(`livebind: could not start the dev server: ${why}\n`);
    return 1;
  }
  const lines = [`livebind dev server ready`, `  HTTP  ${server.url}`, `  WS    ${server.wsUrl}`, `  Supabase Realtime  ${server.realtimeUrl}`];
  lines.push(`  Data  ${opts.dataDir ?? 'in memory (use --data DIR to persist)'}`);
  if (opts.seed === 'demo') {
    lines.push(`  Demo logins: ${DEMO_USERS.map((u) => `${u.user} / ${u.password} (${u.role})`).join(', ')}`);
  }
  lines.push('Press Ctrl+C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`\nlivebind: ${signal} received, shutting down...\n`);
      server.close().then(
        () => {
          process.stdout.write('livebind: stopped\n');
          resolve(0);
        },
        (e: unknown) => {
          process.stderr.write(`livebind: error during shutdown: ${e instanceof Error ? e.message : String(e)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
