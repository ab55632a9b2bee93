import type { ReactNode } from 'react';
import { useConnectionState } from '../../react/index.js';
import type { ConnectionStatus } from '../../src/index.js';
import styles from './ConnectionBadge.module.css';

const LABELS: Record<ConnectionStatus, string> = {
  idle: 'idle',
  connecting: 'connecting',
  authenticating: 'signing in',
  open: 'live',
  reconnecting: 'reconnecting',
  closed: 'closed',
};

/** A dot and a word for the socket's state (`useConnectionState`); `data-connection` for play functions. */
export function ConnectionBadge({ detail = false }: { readonly detail?: boolean }): ReactNode {
  const state = useConnectionState();
  return (
    <span className={styles.badge} data-connection={state.status} title={state.lastError?.message}>
      <span className={`${styles.dot} ${styles[state.status]}`} />
      {LABELS[state.status]}
      {detail && state.attempt > 0 ? <span className={styles.attempt}>attempt {state.attempt}</span> : null}
    </span>
  );
}
