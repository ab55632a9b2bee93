/**
 * Server → client messages (spec §5.2, §6.2–§6.4) as JSON text, and the frame rule of §5.3
 * (gzip into a binary frame when the JSON reaches the threshold and the gzip is smaller).
 * `batch_control` SeqIds are written as bare integers from bigint digits; row `_seq` stays a string.
 */
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import type { WireRow } from '../../engine/types.js';
import type { SchemaField } from '../live/planSubscription.js';
import type { WireProtocol } from './clientMessage.js';

export type BatchStatus = 'loading' | 'loading_batch' | 'ready';

export interface BatchControl {
  readonly batchNum: number;
  readonly hasMore: boolean;
  readonly status: BatchStatus;
  readonly lastSeqId: bigint | null;
  readonly snapshotEndSeq: bigint | null;
}

export type ErrorCode =
  | 'AUTH_REQUIRED'
  | 'INVALID_SUBSCRIPTION_ID'
  | 'SUBSCRIPTION_LIMIT_EXCEEDED'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'INVALID_SQL'
  | 'UNSUPPORTED'
  | 'SUBSCRIPTION_FAILED'
  | 'CONVERSION_ERROR'
  | 'BATCH_FETCH_FAILED'
  | 'MESSAGE_TOO_LARGE'
  | 'RATE_LIMIT_EXCEEDED'
  | 'UNSUPPORTED_DATA'
  | 'PROTOCOL';

export type ChangeType = 'insert' | 'update' | 'delete';

/** One `change`: exactly one row in `rows` and/or `old_values` (§6.4). */
export interface ChangeBody {
  readonly changeType: ChangeType;
  readonly row?: WireRow;
  readonly old?: WireRow;
}

const q = (s: string): string => JSON.stringify(s);
const seq = (v: bigint | null): string => (v === null ? 'null' : v.toString());

export function encodeBatchControl(bc: BatchControl): string {
  return `{"batch_num":${bc.batchNum},"has_more":${bc.hasMore},"status":${q(bc.status)},"last_seq_id":${seq(bc.lastSeqId)},"snapshot_end_seq":${seq(bc.snapshotEndSeq)}}`;
}

/**
 * KalamDB's auth_success plus `"livebind":{"resume_deletes":true}`: a wire-compatible extension
 * (clients ignore unknown fields) telling livebind clients that this server replays deletes made
 * during an outage on resume (§12.3.2), so resuming from `from` converges without a reload.
 */
export function authSuccessMessage(user: string, role: string, protocol: WireProtocol): string {
  return JSON.stringify({ type: 'auth_success', user, role, protocol, livebind: { resume_deletes: true } });
}

export function authErrorMessage(message: string): string {
  return JSON.stringify({ type: 'auth_error', message });
}

export function errorMessage(subscriptionId: string, code: ErrorCode, message: string): string {
  return JSON.stringify({ type: 'error', subscription_id: subscriptionId, code, message });
}

export function subscriptionAckMessage(id: string, bc: BatchControl, schema: readonly SchemaField[]): string {
  return `{"type":"subscription_ack","subscription_id":${q(id)},"total_rows":0,"batch_control":${encodeBatchControl(bc)},"schema":${JSON.stringify(schema)}}`;
}

export function initialDataBatchMessage(id: string, rows: readonly WireRow[], bc: BatchControl): string {
  return `{"type":"initial_data_batch","subscription_id":${q(id)},"rows":${JSON.stringify(rows)},"batch_control":${encodeBatchControl(bc)}}`;
}

export function changeMessage(id: string, body: ChangeBody): string {
  const rows = body.row ? `,"rows":[${JSON.stringify(body.row)}]` : '';
  const old = body.old ? `,"old_values":[${JSON.stringify(body.old)}]` : '';
  return `{"type":"change","subscription_id":${q(id)},"change_type":${q(body.changeType)}${rows}${old}}`;
}

/** One WebSocket frame: text, or binary (gzip). */
export interface Frame {
  readonly data: string | Buffer;
  readonly binary: boolean;
}

/** The frame for one JSON message: gzip (fast level) into binary when ≥ threshold and smaller (§5.3). */
export function toFrame(json: string, compress: boolean, thresholdBytes: number): Frame {
  if (!compress || json.length < thresholdBytes / 3) return { data: json, binary: false };
  const bytes = Buffer.from(json, 'utf8');
  if (bytes.length < thresholdBytes) return { data: json, binary: false };
  const gz = gzipSync(bytes, { level: zlibConstants.Z_BEST_SPEED });
  return gz.length < bytes.length ? { data: gz, binary: true } : { data: json, binary: false };
}
