/** A `ws` WebSocket the test can cut and keep down (new connections are refused while the gate is closed). */
import WebSocket from 'ws';

export interface Gate {
  down: boolean;
  sockets: WebSocket[];
  /** Cut every open socket (abnormal close 1006). */
  cut(): void;
  readonly WebSocket: new (url: string) => WebSocket;
}

export function createGate(): Gate {
  const gate: Gate = {
    down: false,
    sockets: [],
    cut() {
      for (const s of gate.sockets) s.terminate();
      gate.sockets = [];
    },
    WebSocket: class extends WebSocket {
      constructor(url: string) {
        // Port 9 on loopback refuses connections: the client sees a failed attempt and backs off.
        super(gate.down ? 'ws://127.0.0.1:9/v1/ws' : url);
        if (!gate.down) gate.sockets.push(this);
      }
    },
  };
  return gate;
}
