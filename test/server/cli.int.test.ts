import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../server/cli.js';

const tsx = createRequire(import.meta.url).resolve('tsx/cli');

function run(args: string[]) {
  const child = spawn(process.execPath, [tsx, 'server/cli.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d.toString()));
  child.stderr.on('data', (d) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves once stdout matches (checked on every chunk); rejects if the process exits first. */
  const stdoutMatch = (re: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) {
          child.stdout.off('data', check);
          resolve(m);
        }
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`exited with ${code}: ${err}`)));
      check();
    });
  return { child, exited, out: () => out, err: () => err, stdoutMatch };
}

describe('livebind CLI', () => {
  it('parses flags', () => {
    expect(parseCliArgs(['dev'])).toEqual({ port: 8080, host: '127.0.0.1', dataDir: undefined, seed: 'none' });
    expect(parseCliArgs(['dev', '--port=0', '--seed', 'demo', '--data', '/tmp/x'])).toEqual({ port: 0, host: '127.0.0.1', dataDir: '/tmp/x', seed: 'demo' });
    expect(parseCliArgs(['--help'])).toBe('help');
    for (const bad of [[], ['serve'], ['dev', '--port', '99999'], ['dev', '--seed', 'lots'], ['dev', '--nope'], ['dev', '--port']]) {
      expect(() => parseCliArgs(bad), bad.join(' ')).toThrow();
    }
  });

  it('prints help and exits 0; bad flags exit 2', async () => {
    const help = run(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.out()).toContain('Usage: livebind dev');
    const bad = run(['dev', '--port', 'x']);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain('--port');
  });

  it('starts with the demo seed, serves HTTP, and stops cleanly on SIGINT', async () => {
    const p = run(['dev', '--port', '0', '--seed', 'demo']);
    try {
      const url = (await p.stdoutMatch(/Press Ctrl\+C/)) && /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())![1]!;
      expect(p.out()).toContain('demo / demo');
      const r = await fetch(`${url}/v1/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"demo","password":"demo"}' });
      expect(r.status).toBe(200);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(0);
      expect(p.out()).toContain('stopped');
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  });
});
