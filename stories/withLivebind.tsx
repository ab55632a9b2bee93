/**
 * `withLivebind`: a Storybook decorator that gives each story its own livebind client pointed at
 * the dev server, inside a <LiveProvider>. Use it in your own stories:
 *
 * ```tsx
 * export default {
 *   component: Messages,
 *   decorators: [withLivebind],
 *   parameters: { livebind: { user: { user: 'demo', password: 'demo' }, faults: true } },
 * } satisfies Meta<typeof Messages>;
 * ```
 * A component that needs a second client (a second user on the same canvas) wraps its part in
 * <StoryClient user={...}>. `useStoryLivebind()` returns the client, its fault injector and URL.
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { Decorator } from '@storybook/react-vite';
import { createClient, UsageError } from '../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../src/kalamdb.js';
import type { CommonClientOptions, LivebindClient } from '../src/index.js';
import { supabaseDriver } from '../src/supabase.js';
import { LiveProvider } from '../react/index.js';
import { devServerUrl } from './livebind/devServerUrl.js';
import { FaultInjector } from './livebind/faultInjector.js';

export type StoryProtocol = 'kalamdb' | 'supabase';

export interface StoryUser {
  readonly user: string;
  readonly password: string;
}

/** `parameters.livebind` of a story (every field optional). */
export interface LivebindParameters {
  /** Dev server base URL (default: `devServerUrl()`, see stories/livebind/devServerUrl.ts). */
  readonly url?: string;
  /** Who the client logs in as (default: the seeded `demo` / `demo`). */
  readonly user?: StoryUser;
  /**
   * Wire protocol of the client (default 'kalamdb'): `kalamdb` (rows over /v1/ws, SQL over HTTP) or
   * `supabase` (rows, presence and broadcast over one Phoenix socket at /realtime/v1; SQL writes
   * then go through a second, socket-less KalamDB client: `useStoryLivebind().sql`).
   */
  readonly protocol?: StoryProtocol;
  /** Route the socket through a FaultInjector (drop, offline, latency, stall); `true` or its start settings. */
  readonly faults?: boolean | { readonly latencyMs?: number };
  /** More createClient options (url, auth, driver and WebSocket are set from the fields above). */
  readonly clientOptions?: Partial<Omit<CommonClientOptions, 'WebSocket'>>;
}

/** What a protocol's client factory gets. */
export interface StoryClientConfig {
  readonly url: string;
  readonly user: StoryUser;
  readonly options: CommonClientOptions;
}

export const DEMO_USER: StoryUser = { user: 'demo', password: 'demo' };

/**
 * One client factory per protocol: the extension point for a new protocol. Stories choose one with
 * `parameters.livebind.protocol`; nothing else changes. The dev server accepts any apikey.
 */
export const PROTOCOL_CLIENTS: Record<StoryProtocol, (config: StoryClientConfig) => LivebindClient> = {
  kalamdb: ({ url, user, options }) => createClient({ login: kalamdbLogin, sql: kalamdbSql, ...options, url, auth: { user: user.user, password: user.password } }),
  supabase: ({ url, user, options }) =>
    createClient({ ...options, driver: supabaseDriver({ url, apikey: 'livebind-dev' }), auth: { user: user.user, password: user.password } }),
};

export interface StoryLivebind {
  /** Rows (and, over supabase, presence and broadcast) for the hooks below the decorator. */
  readonly client: LivebindClient;
  /** SQL over HTTP (`execute`, `query`) as the same user: `client` itself over kalamdb, a socket-less KalamDB client over supabase. */
  readonly sql: LivebindClient;
  /** Present when the story asked for fault injection. */
  readonly faults: FaultInjector | undefined;
  readonly url: string;
  readonly user: StoryUser;
  readonly protocol: StoryProtocol;
}

const StoryLivebindContext = createContext<StoryLivebind | undefined>(undefined);

/** The nearest <StoryClient>'s client, fault injector, URL and user. */
export function useStoryLivebind(): StoryLivebind {
  const value = useContext(StoryLivebindContext);
  if (value === undefined) {
    throw new UsageError('useStoryLivebind() needs the withLivebind decorator or a <StoryClient> above it.', {
      code: 'NO_CLIENT',
    });
  }
  return value;
}

export interface StoryClientProps extends LivebindParameters {
  readonly children?: ReactNode;
}

/** Creates a client for its children (closed on unmount) and provides it to the livebind hooks. */
export function StoryClient({ children, ...parameters }: StoryClientProps): ReactNode {
  const [value] = useState(() => createStoryLivebind(parameters));
  // Closed a tick after unmount, so a StrictMode unmount + remount keeps the same client.
  const closeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    clearTimeout(closeTimer.current);
    return () => {
      closeTimer.current = setTimeout(() => {
        void value.client.close();
        if (value.sql !== value.client) void value.sql.close();
      }, 0);
    };
  }, [value]);
  return (
    <StoryLivebindContext.Provider value={value}>
      <LiveProvider client={value.client}>{children}</LiveProvider>
    </StoryLivebindContext.Provider>
  );
}

function createStoryLivebind(parameters: LivebindParameters): StoryLivebind {
  const url = parameters.url ?? devServerUrl();
  const user = parameters.user ?? DEMO_USER;
  const protocol = parameters.protocol ?? 'kalamdb';
  const faults =
    parameters.faults === undefined || parameters.faults === false
      ? undefined
      : new FaultInjector(parameters.faults === true ? {} : { latencyMs: parameters.faults.latencyMs ?? 0 });
  const options: CommonClientOptions = { ...parameters.clientOptions, ...(faults ? { WebSocket: faults.WebSocket } : {}) };
  const client = PROTOCOL_CLIENTS[protocol]({ url, user, options });
  const sql = protocol === 'kalamdb' ? client : PROTOCOL_CLIENTS.kalamdb({ url, user, options: {} });
  return { client, sql, faults, url, user, protocol };
}

/** The decorator: a fresh client per story render, configured by `parameters.livebind`. */
export const withLivebind: Decorator = (Story, context) => {
  const parameters = (context.parameters['livebind'] ?? {}) as LivebindParameters;
  return (
    <StoryClient key={context.id} {...parameters}>
      <Story />
    </StoryClient>
  );
};
