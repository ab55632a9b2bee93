import { createContext, useContext, type ReactNode } from 'react';
import { UsageError } from '../src/errors.js';
import type { LivebindClient } from '../src/types.js';

/**
 * The one context of livebind/react: it carries only the client. Every hook (and later
 * usePresence/useBroadcast) resolves its client through `useLivebindClient`, so a hook's own
 * `client` option and the provider are interchangeable.
 */
const LivebindContext = createContext<LivebindClient | undefined>(undefined);
LivebindContext.displayName = 'LivebindContext';

export interface LiveProviderProps {
  readonly client: LivebindClient;
  readonly children?: ReactNode;
}

/** Makes `client` the default for every livebind hook below it. */
export function LiveProvider({ client, children }: LiveProviderProps): ReactNode {
  return <LivebindContext.Provider value={client}>{children}</LivebindContext.Provider>;
}

/** Options every hook accepts. */
export interface ClientOption {
  /** Use this client instead of the nearest `<LiveProvider>`'s. */
  readonly client?: LivebindClient | undefined;
}

/**
 * The client a hook should use: the explicit one, else the provider's.
 * Throws a UsageError (code `NO_CLIENT`) naming the hook when there is neither.
 */
export function useLivebindClient(client?: LivebindClient, hookName = 'useLivebindClient'): LivebindClient {
  const fromContext = useContext(LivebindContext);
  const resolved = client ?? fromContext;
  if (resolved === undefined) {
    throw new UsageError(
      `${hookName}() found no livebind client. Wrap your components in <LiveProvider client={createClient(...)}> ` +
        `from 'livebind/react', or pass the client as an option: ${hookName}(..., { client }).`,
      { code: 'NO_CLIENT' },
    );
  }
  return resolved;
}
