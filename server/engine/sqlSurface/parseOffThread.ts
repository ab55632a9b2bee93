/**
 * pgsql-ast-parser off the event loop. The parser costs ~1.4 ms for a one-line SELECT and ~14 ms
 * for an IN list of 100 values on the 2-core dev machine, so parsing on the main thread would
 * hold every other socket and request for that long. One worker thread parses, in order; the main
 * thread only posts the text and receives the tree. A parse that runs past `timeoutMs` kills the
 * worker (a fresh one takes the queued work) and fails with ParseTimeout.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Statement } from 'pgsql-ast-parser';

/**
 * Longest a single parse may take before the worker is replaced. The inputs are bounded before
 * they get here (statement size, nesting), so this only stops a pathological case; it is generous
 * because the machine may be loaded.
 */
export const PARSE_TIMEOUT_MS = 5000;
/** Extra time for a job that waits for a fresh worker to load the parser (a cold start on a busy machine takes seconds). */
const STARTUP_ALLOWANCE_MS = 15_000;

export class ParseTimeout extends Error {
  constructor(ms: number) {
    super(`The SQL took longer than ${ms} ms to parse; shorten it (fewer values in IN lists, less nesting).`);
    this.name = 'ParseTimeout';
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require(workerData.parser);
parentPort.on('message', (m) => {
  let reply;
  try { reply = { id: m.id, ast: parse(m.sql, { locationTracking: m.locations }) }; }
  catch (e) { reply = { id: m.id, error: String((e && e.message) || e) }; }
  parentPort.postMessage(reply);
});`;

interface Job {
  readonly id: number;
  readonly sql: string;
  readonly locations: boolean;
  readonly resolve: (ast: Statement[]) => void;
  readonly reject: (e: Error) => void;
}

let worker: Worker | undefined;
let current: Job | undefined;
let timer: NodeJS.Timeout | undefined;
const queue: Job[] = [];
let nextId = 1;

/** Parses `sql` in the worker. Rejects with the parser's message (an Error) or ParseTimeout. */
export function parseOffThread(sql: string, options: { locations?: boolean; timeoutMs?: number } = {}): Promise<Statement[]> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, sql, locations: options.locations ?? false, resolve, reject });
    pump(options.timeoutMs ?? PARSE_TIMEOUT_MS);
  });
}

function pump(timeoutMs: number): void {
  if (current !== undefined) return;
  const job = queue.shift();
  if (job === undefined) {
    worker?.unref();
    return;
  }
  current = job;
  const fresh = worker === undefined;
  const w = ensureWorker(timeoutMs);
  w.ref();
  timer = setTimeout(() => {
    // The parser is stuck on this input: replace the worker, fail this job, go on with the rest.
    void w.terminate();
    if (worker === w) worker = undefined;
    current = undefined;
    job.reject(new ParseTimeout(timeoutMs));
    pump(timeoutMs);
  }, fresh ? timeoutMs + STARTUP_ALLOWANCE_MS : timeoutMs);
  w.postMessage({ id: job.id, sql: job.sql, locations: job.locations });
}

function ensureWorker(timeoutMs: number): Worker {
  if (worker !== undefined) return worker;
  const parser = createRequire(import.meta.url).resolve('pgsql-ast-parser');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { parser } });
  w.on('message', (m: { id: number; ast?: Statement[]; error?: string }) => {
    const job = current;
    if (job === undefined || job.id !== m.id) return;
    clearTimeout(timer);
    current = undefined;
    if (m.error !== undefined) job.reject(new Error(m.error));
    else job.resolve(m.ast ?? []);
    pump(timeoutMs);
  });
  w.on('error', (e) => {
    if (worker === w) worker = undefined;
    const job = current;
    clearTimeout(timer);
    current = undefined;
    job?.reject(e instanceof Error ? e : new Error(String(e)));
    pump(timeoutMs);
  });
  worker = w;
  return w;
}
