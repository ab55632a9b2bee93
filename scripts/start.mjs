#!/usr/bin/env node
// `npm start`: the dev server with demo data AND Storybook (dev mode), then prints both URLs.
// Ports: LIVEBIND_PORT (dev server, default 8080; the stories default to it) and STORYBOOK_PORT
// (default 6006). The stories get the dev server URL through STORYBOOK_LIVEBIND_URL.
// Ctrl-C (or SIGTERM) stops both; if either child exits, the other is stopped too.
// The dev server alone: `npm run dev-server`; Storybook alone: `npm run storybook`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const host = '127.0.0.1';
const devPort = port('LIVEBIND_PORT', 8080);
const storybookPort = port('STORYBOOK_PORT', 6006);
const devUrl = `http://${host}:${devPort}`;
const storybookUrl = `http://${host}:${storybookPort}`;

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    console.error(`start: ${name} must be a port from 1 to 65535, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
}

const children = new Map();
let stopping = false;
let exitCode = 0;

function start(label, cmd, args, env) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(label, child);
  const prefix = (stream, out) => {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(`[${label}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(label);
    if (!stopping) {
      console.error(`start: ${label} exited (${signal ?? code}); stopping the rest`);
      exitCode = code === 0 || code === null ? 1 : code;
      stop();
    }
    if (children.size === 0) process.exit(exitCode);
  });
  return child;
}

function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGINT');
  // A child that ignores SIGINT gets SIGKILL after 10 s.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 10_000).unref();
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** Resolves once `url` answers HTTP (any status), polling every 250 ms; false when stopping. */
async function ready(url) {
  while (!stopping) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

start('dev-server', bin('tsx'), [join(root, 'server/cli.ts'), 'dev', '--seed', 'demo', '--port', String(devPort), '--host', host]);
start('storybook', bin('storybook'), ['dev', '--port', String(storybookPort), '--host', host, '--ci', '--no-version-updates'], {
  STORYBOOK_LIVEBIND_URL: devUrl,
});

if ((await ready(`${devUrl}/health`)) && (await ready(storybookUrl))) {
  console.log(
    [
      '',
      'livebind is running:',
      `  Storybook demos  ${storybookUrl}`,
      `  Dev server       ${devUrl}  (logins: demo / demo, admin / kalamdb123)`,
      'Press Ctrl+C to stop both.',
      '',
    ].join('\n'),
  );
}
