/**
 * SPLIT=1 mode of bench/initial-load.ts: the dev server in a process of its own, as with `npm start`
 * (server process + browser). Started with `fork()` by the bench; talks over the IPC channel:
 * sends {ready, url, seedMs} once seeded, answers {reset} (spans and CPU counter to zero; with
 * CPUPROF set, starts this process's profiler) and {spans} with {spans, cpuMs} (this process's CPU
 * since the last reset; with CPUPROF, the profile since the reset goes to `<CPUPROF>.server.cpuprofile`),
 * exits on {close}.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startLoadServer } from './initialLoadServer.js';

const send = (msg: unknown): void => {
  process.send?.(msg);
};
const CPUPROF = process.env['CPUPROF'];
const server = await startLoadServer(Number(process.env['ROWS'] ?? 100_000), process.env['PROFILE'] === '1');
const inspector = CPUPROF === undefined ? undefined : new Session();
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
}
let cpu0 = process.cpuUsage();
process.on('message', (msg: { type: string }) => {
  void (async () => {
    if (msg.type === 'reset') {
      server.resetSpans();
      if (inspector) await inspector.post('Profiler.start');
      cpu0 = process.cpuUsage();
      send({ type: 'reset' });
    } else if (msg.type === 'spans') {
      const cpu = process.cpuUsage(cpu0);
      if (inspector) writeFileSync(`${CPUPROF!}.server.cpuprofile`, JSON.stringify((await inspector.post('Profiler.stop')).profile));
      send({ type: 'spans', spans: { ...server.spans }, cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (msg.type === 'close') {
      await server.close();
      process.exit(0);
    }
  })();
});
send({ type: 'ready', url: server.url, seedMs: server.seedMs });
