#!/usr/bin/env node
// `npm test`: type check, the static Storybook build, then every vitest project (unit, integration against the real dev
// server, React 18 + 19, browser tests and the Storybook demo stories in real Chromium), then prints one plain summary line
// `N passed, N failed` (the type check and the Storybook build count as one check each). Finds or installs a Chromium first
// (scripts/findChromium.mjs). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium } from './findChromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.test-results');
mkdirSync(out, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const extraArgs = process.argv.slice(2);

/** Every vitest project that needs no browser (run alone when no Chromium can be had; not `browser`, not `stories`). */
const BROWSER_FREE_PROJECTS = ['unit', 'integration', 'react19', 'react18', 'adapters-react19', 'adapters-react18', 'adapters-vue', 'adapters-svelte', 'adapters-svelte-ssr', 'adapters-solid', 'adapters-solid-ssr', 'types'];

let passed = 0;
let failed = 0;

function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  console.log(`=== ${label}: exit ${result.status ?? result.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status === 0;
}

// 1. Type check (strict settings, see tsconfig.json).
if (run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) passed += 1;
else failed += 1;

// 1b. The static Storybook build (`npm run build-storybook`), checked to hold every demo story.
{
  const outDir = join(out, 'storybook-static');
  const built = run('storybook build', bin('storybook'), ['build', '-o', outDir, '--quiet']);
  const indexFile = join(outDir, 'index.json');
  const stories = built && existsSync(indexFile) ? Object.keys(JSON.parse(readFileSync(indexFile, 'utf8')).entries ?? {}) : [];
  const expected = ['demos-chat-room--two-people', 'demos-live-dashboard--kalam-db', 'demos-live-dashboard--supabase', 'demos-shared-cursors--two-people', 'demos-connection-lab--supabase', 'demos-connection-lab--kalam-db'];
  const missing = expected.filter((id) => !stories.includes(id));
  if (built && missing.length === 0 && existsSync(join(outDir, 'iframe.html'))) {
    console.log(`=== storybook build: ${stories.length} stories in ${outDir}`);
    passed += 1;
  } else {
    console.log(`=== storybook build: FAILED${missing.length > 0 ? ` (missing stories: ${missing.join(', ')})` : ''}`);
    failed += 1;
  }
}

// 2. A Chromium for the browser projects: found, or installed where the machine can (Debian, root).
//    Without one the browser projects are skipped and counted as one failure, with one line saying why.
const projectArgs = [];
const chromium = await findChromium();
if ('path' in chromium) {
  process.env.CHROMIUM_PATH = chromium.path;
  console.log(`\n=== chromium: ${chromium.path}`);
} else {
  console.log(`\n=== chromium: ${chromium.error}`);
  failed += 1;
  if (!extraArgs.some((a) => a.startsWith('--project'))) projectArgs.push(...BROWSER_FREE_PROJECTS.map((p) => `--project=${p}`));
}

// 3. Every vitest project, with a JSON report we count from.
const report = join(out, 'vitest.json');
const vitestOk = run('vitest', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...projectArgs,
  ...extraArgs,
]);
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += json.numFailedTests ?? 0;
  // Files that failed to load (syntax errors, failing hooks) have no failed test of their own.
  const brokenSuites = (json.testResults ?? []).filter(
    (s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed'),
  ).length;
  failed += brokenSuites;
  if (!vitestOk && json.numFailedTests === 0 && brokenSuites === 0) failed += 1; // e.g. unhandled errors
} else {
  failed += 1;
}

const summary = `${passed} passed, ${failed} failed`;
writeFileSync(join(out, 'summary.txt'), summary + '\n');
console.log(`\n${summary}`);
process.exit(failed === 0 ? 0 : 1);
