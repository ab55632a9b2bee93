/** Typed KalamDB `/v1/ws` messages (spec §6), as produced and consumed by the pure codec. */

/** A row keyed by column name, cells encoded as on the wire (§1.4): BIGINT and `_seq` as decimal strings. */
export type WireRow = Record<string, unknown>;

export interface SchemaField {
  readonly name: string;
  readonly dataType: unknown;
  readonly index: number;
  readonly flags: readonly string[];
}

/** The `batch_control` fields the client acts on (`batch_num` and `status` are informational: `has_more` decides). */
export interface BatchControl {
  readonly hasMore: boolean;
  /** Exact SeqId (parsed losslessly from the frame text), undefined when null or absent. */
  readonly lastSeqId: bigint | undefined;
  readonly snapshotEndSeq: bigint | undefined;
}

export type ServerMessage =
  | {
      /** (Its `user` and `role` are not needed: the client only learns what the server supports.) */
      readonly type: 'auth_success';
      /**
       * The server replays deletes made during an outage on resume (livebind dev server, spec §12.3.2:
       * `"livebind":{"resume_deletes":true}` in auth_success). KalamDB sends no such field: false.
       */
      readonly resumeDeletes: boolean;
    }
  | { readonly type: 'auth_error'; readonly message: string }
  | {
      readonly type: 'subscription_ack';
      readonly subscriptionId: string;
      readonly schema: readonly SchemaField[];
      readonly batch: BatchControl;
      /** `total_rows`: rows the initial load will send, when the server says. */
      readonly totalRows: number | undefined;
    }
  | {
      readonly type: 'initial_data_batch';
      readonly subscriptionId: string;
      readonly rows: readonly WireRow[];
      readonly batch: BatchControl;
    }
  | {
      readonly type: 'change';
      readonly subscriptionId: string;
      readonly changeType: 'insert' | 'update' | 'delete';
      readonly rows: readonly WireRow[];
      readonly oldValues: readonly WireRow[];
    }
  | { readonly type: 'error'; readonly subscriptionId: string; readonly code: string; readonly message: string }
  /** A well-formed message of a type this client does not know (a newer server's): ignored. */
  | { readonly type: 'unknown'; readonly name: string }
  /** Anything the codec could not understand; `reason` says why (never thrown: the session breaks the stream). */
  | { readonly type: 'invalid'; readonly reason: string };

/**
 * The `options` of a subscribe, as on the wire (K§6.1). Undefined fields are left out of the frame;
 * undefined options (no `options` key) = live changes only, an object (even empty) = initial load.
 */
export interface SubscribeOptions {
  readonly batch_size?: number | undefined;
  readonly last_rows?: number | undefined;
  readonly from?: bigint | undefined;
  readonly snapshot_end_seq?: bigint | undefined;
}

/**
 * Client commands (§5.2, §6), built directly in wire shape: the codec only writes their bigints
 * (SeqIds) as bare JSON integers. Undefined fields are left out of the frame.
 */
export type ClientCommand =
  | {
      readonly type: 'authenticate';
      readonly method: 'jwt';
      readonly token: string;
      readonly protocol: { readonly serialization: 'json'; readonly compression: 'gzip' | 'none' };
    }
  | { readonly type: 'subscribe'; readonly subscription: { readonly id: string; readonly sql: string; readonly options: SubscribeOptions | undefined } }
  | { readonly type: 'next_batch'; readonly subscription_id: string; readonly last_seq_id: bigint | undefined }
  | { readonly type: 'unsubscribe'; readonly subscription_id: string }
  | { readonly type: 'ping' };
