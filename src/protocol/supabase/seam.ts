/**
 * The per-socket seam as this driver uses it (docs: notes/SEAM.md). Kept local until the shared
 * src/protocol/driver.ts defines Link and Session; then these become re-exports.
 */
import type { AuthError, ConnectionError, ProtocolError } from '../../errors.js';

export type Frame = string | Uint8Array;

/** What a session can do with its socket (one per socket). */
export interface Link {
  /** Queue a frame (paced, frame-limited); `key` replaces a queued frame with the same key. */
  send(frame: Frame, key?: string): void;
  /** Handshake done: status open, the queue flushes. */
  opened(): void;
  /** The server rejected the token. */
  rejected(error: AuthError): void;
  /** The stream cannot be trusted: drop the socket and reconnect. */
  broken(error: ProtocolError): void;
  /** The heartbeat went unanswered: drop the socket and reconnect. */
  dead(error: ConnectionError): void;
}

export interface Session {
  start(token: string): void;
  receive(frame: Frame): void;
  heartbeat(): Frame | undefined;
  tokenChanged?(token: string): void;
  closed(): void;
}

/** A result column (neutral). */
export interface Column {
  readonly name: string;
  readonly pk?: boolean;
  readonly type?: string;
}

export type Row = Record<string, unknown>;

/** A neutral row change (no cursor: postgres_changes has none). */
export type RowChange =
  | { readonly type: 'insert'; readonly row: Row }
  | { readonly type: 'update'; readonly row: Row; readonly oldRow: Row | undefined }
  | { readonly type: 'delete'; readonly row: Row };

/** Whether rows come from the first load or a reload after a reconnect (rows replaced at its end). */
export type LoadKind = 'initial' | 'reload';

/** Where a live feed reports (src/live consumes it). */
export interface RowSink {
  onColumns(columns: readonly Column[], kind: LoadKind): void;
  onPage(rows: readonly Row[], last: boolean, kind: LoadKind): void;
  onReady(): void;
  onChange(change: RowChange): void;
  onReconnecting(): void;
  onError(error: import('../../errors.js').LivebindError): void;
}

export interface FeedHandle {
  close(): void;
}
