import type { ConnectionState } from '../src/types.js';
import { useLivebindClient, type ClientOption } from './LiveProvider.js';
import { useStore } from './useStore.js';

/** What SSR and hydration render: no socket exists yet. */
const SERVER_STATE: ConnectionState = Object.freeze({ status: 'idle', lastError: undefined, attempt: 0 });
const getServerState = (): ConnectionState => SERVER_STATE;

/**
 * State of the client's one shared socket (`idle`, `connecting`, `authenticating`, `open`,
 * `reconnecting`, `closed`), the last connection error and the reconnect attempt count.
 * Observing it does not open the socket.
 */
export function useConnectionState(options?: ClientOption): ConnectionState {
  const client = useLivebindClient(options?.client, 'useConnectionState');
  return useStore(client.status$, getServerState);
}
