/**
 * SPLIT=1 mode of bench/initial-load.ts: the dev server in a process of its own, as with `npm start`
 * (server process + browser). Started with `fork()` by the bench; talks over the IPC channel:
 * sends {ready, url, seedMs} once seeded, answers {reset} (spans and CPU counter to zero) and
 * {spans} with {spans, cpuMs} (this process's CPU since the last reset), exits on {close}.
 */
import { startLoadServer } from './initialLoadServer.js';

const send = (msg: unknown): void => {
  process.send?.(msg);
};
const server = await startLoadServer(Number(process.env['ROWS'] ?? 100_000), process.env['PROFILE'] === '1');
let cpu0 = process.cpuUsage();
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'reset') {
    server.resetSpans();
    cpu0 = process.cpuUsage();
    send({ type: 'reset' });
  } else if (msg.type === 'spans') {
    const cpu = process.cpuUsage(cpu0);
    send({ type: 'spans', spans: { ...server.spans }, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (msg.type === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
send({ type: 'ready', url: server.url, seedMs: server.seedMs });
