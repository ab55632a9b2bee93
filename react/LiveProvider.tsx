import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { UsageError } from '../src/errors.js';
import type { LivebindClient } from '../src/types.js';
import { createSuspenseHolds, type SuspenseHolds } from './suspenseHolds.js';

/**
 * The one context of livebind/react: the client, plus the provider's bookkeeping for suspended
 * queries. Every hook (and later usePresence/useBroadcast) resolves its client through
 * `useLivebindClient`, so a hook's own `client` option and the provider are interchangeable.
 */
interface LivebindContextValue {
  readonly client: LivebindClient;
  readonly abandonMs: number;
  /**
   * Per provider and client (holds are keyed by the client's observables); created by the first
   * suspending hook, so apps without Suspense bundle none of it.
   */
  holds?: SuspenseHolds;
}

const LivebindContext = createContext<LivebindContextValue | undefined>(undefined);
LivebindContext.displayName = 'LivebindContext';

export interface LiveProviderProps {
  readonly client: LivebindClient;
  /**
   * How long a settled suspended query stays subscribed while waiting for its component to
   * commit (ms, default 30000). Only matters for suspended trees React abandons.
   */
  readonly suspenseAbandonMs?: number;
  readonly children?: ReactNode;
}

/** Makes `client` the default for every livebind hook below it. */
export function LiveProvider({ client, suspenseAbandonMs = 30_000, children }: LiveProviderProps): ReactNode {
  // A new client (or abandonMs) starts new holds: the previous ones let go by themselves once settled (abandonMs).
  const value = useMemo((): LivebindContextValue => ({ client, abandonMs: suspenseAbandonMs }), [client, suspenseAbandonMs]);
  return <LivebindContext.Provider value={value}>{children}</LivebindContext.Provider>;
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
  const resolved = client ?? fromContext?.client;
  if (resolved === undefined) {
    throw new UsageError(
      `${hookName}() found no livebind client: render it inside <LiveProvider client={...}> or pass { client } in its options.`,
      { code: 'NO_CLIENT' },
    );
  }
  return resolved;
}

/** The nearest provider's suspense bookkeeping, if any (internal to livebind/react). */
export function useSuspenseHolds(): SuspenseHolds | undefined {
  const value = useContext(LivebindContext);
  return value && (value.holds ??= createSuspenseHolds(value.abandonMs));
}
