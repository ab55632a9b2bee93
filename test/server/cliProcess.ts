/**
 * The dev server CLI (`server/cli.ts …` under tsx's loader) as a child process, for tests. Node runs
 * the CLI itself (`node --import tsx`), not the `tsx` wrapper, which would run it in a grandchild:
 * a signal (SIGKILL above all) then reaches the server process, and nothing is left behind.
 */
import { spawn } from 'node:child_process';

export function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
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
  /** Waits for the ready banner; returns the HTTP and WS URLs it prints. */
  const ready = async (): Promise<{ url: string; wsUrl: string }> => {
    await stdoutMatch(/Press Ctrl\+C/);
    return { url: /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!, wsUrl: /WS\s+(ws:\/\/127\.0\.0\.1:\d+\/v1\/ws)/.exec(out)![1]! };
  };
  return { child, exited, out: () => out, err: () => err, stdoutMatch, ready };
}

