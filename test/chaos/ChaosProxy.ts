/**
 * A loopback TCP proxy that misbehaves on purpose: per chunk and direction it delays delivery (in
 * order), and at random it cuts a connection (both sides destroyed, like a reset) or half-closes
 * one direction (FIN on one side only, the other keeps flowing). Seeded, so a failing seed
 * replays the same decisions. `heal()` stops the faults; new connections then pass untouched.
 */
import * as net from 'node:net';
import { seededRandom } from '../seededRandom.js';

export { seededRandom };

export interface ChaosOptions {
  readonly upstreamPort: number;
  readonly seed: number;
  /** Probability per chunk that the connection is cut (default 0.002). */
  readonly cutRate?: number;
  /** Probability per chunk that one direction is half-closed (default 0.001). */
  readonly halfCloseRate?: number;
  /** Upper bound of the random delay per chunk in ms (default 30). */
  readonly maxDelayMs?: number;
}

export interface ChaosStats {
  connections: number;
  cuts: number;
  halfCloses: number;
  delayedChunks: number;
}

export class ChaosProxy {
  readonly stats: ChaosStats = { connections: 0, cuts: 0, halfCloses: 0, delayedChunks: 0 };
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly random: () => number;
  private healed = false;

  private constructor(private readonly options: ChaosOptions) {
    this.random = seededRandom(options.seed);
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(options: ChaosOptions): Promise<ChaosProxy> {
    const proxy = new ChaosProxy(options);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** No more faults; connections still open are cut once so every client starts clean. */
  heal(): void {
    this.healed = true;
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.stats.connections++;
    const upstream = net.connect(this.options.upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    const cutBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.pipe(client, upstream, cutBoth);
    this.pipe(upstream, client, cutBoth);
  }

  /** Forwards `from` → `to` in order, each chunk after a random delay, with random faults. */
  private pipe(from: net.Socket, to: net.Socket, cutBoth: () => void): void {
    let chain = Promise.resolve();
    let halfClosed = false;
    from.on('data', (chunk: Buffer) => {
      if (halfClosed) return;
      if (!this.healed) {
        const r = this.random();
        if (r < (this.options.cutRate ?? 0.002)) {
          this.stats.cuts++;
          cutBoth();
          return;
        }
        if (r < (this.options.cutRate ?? 0.002) + (this.options.halfCloseRate ?? 0.001)) {
          // FIN towards `to`: it sees the end of this direction; the other direction stays open.
          this.stats.halfCloses++;
          halfClosed = true;
          chain = chain.then(() => {
            if (!to.destroyed) to.end();
          });
          return;
        }
      }
      const delay = this.healed ? 0 : Math.floor(this.random() * (this.options.maxDelayMs ?? 30));
      if (delay > 0) this.stats.delayedChunks++;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            const send = () => {
              if (!to.destroyed) to.write(chunk);
              resolve();
            };
            if (delay > 0) setTimeout(send, delay);
            else send();
          }),
      );
    });
    from.on('end', () => {
      chain = chain.then(() => {
        if (!to.destroyed) to.end();
      });
    });
  }
}
