// Finds a Chromium for the browser tests, or installs Debian's when this machine can (root + apt-get).
// Order: $CHROMIUM_PATH (must exist), Debian's /usr/bin/chromium and the other usual paths,
// a Chromium that Playwright installed earlier. Never downloads a browser of its own.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function playwrightChromium() {
  try {
    const { chromium } = await import('playwright-core');
    const path = chromium.executablePath();
    return path && executable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** @returns {Promise<{ path: string } | { error: string }>} */
export async function findChromium({ install = true, log = console.log } = {}) {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    return executable(fromEnv)
      ? { path: fromEnv }
      : { error: `CHROMIUM_PATH=${fromEnv} is not an executable file; point it at a Chromium or unset it.` };
  }
  const found = SYSTEM_PATHS.find(executable) ?? (await playwrightChromium());
  if (found) return { path: found };
  const canInstall =
    install && existsSync('/etc/debian_version') && typeof process.getuid === 'function' && process.getuid() === 0 && executable('/usr/bin/apt-get');
  if (!canInstall) {
    return {
      error:
        'No Chromium found for the browser tests: install one (Debian/Ubuntu: `sudo apt-get install chromium`) or set CHROMIUM_PATH to its executable.',
    };
  }
  log('No Chromium found: installing Debian chromium with apt-get (browser tests) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) return { error: `\`apt-get ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}); install chromium yourself or set CHROMIUM_PATH.` };
  }
  return executable('/usr/bin/chromium') ? { path: '/usr/bin/chromium' } : { error: 'apt-get installed chromium but /usr/bin/chromium is missing; set CHROMIUM_PATH.' };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await findChromium({ install: !process.argv.includes('--no-install') });
  if ('path' in result) console.log(result.path);
  else {
    console.error(result.error);
    process.exit(1);
  }
}
