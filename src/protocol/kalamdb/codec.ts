/**
 * Pure KalamDB `/v1/ws` codec (spec §5.3, §6): text in → typed message; command → text frame.
 * No I/O, no timers. SeqIds in `batch_control` are exact: their digits are taken from the frame
 * text before JSON.parse (which would round integers above 2^53), and written back as bare JSON
 * integers from bigint (§1.1).
 */
import type { BatchControl, ClientCommand, SchemaField, ServerMessage, WireRow } from './messages.js';

const BATCH_CONTROL = '"batch_control":{';

/** Decode one JSON text frame. Never throws: malformed input becomes `{type:'invalid'}`. */
export function decodeServerMessage(text: string): ServerMessage {
  const raw = parseJson(text);
  if (!isObject(raw) || typeof raw['type'] !== 'string') return invalid(raw === undefined ? 'frame is not valid JSON' : 'frame has no "type"');
  const type = raw['type'];
  const subscriptionId = str(raw['subscription_id']);
  switch (type) {
    case 'auth_success':
      // `"livebind":{"resume_deletes":true}`: a wire-compatible extension only the dev server sends (§12.3.2).
      // (Any other value of `livebind`, object or not, has no such key.)
      return { type, resumeDeletes: (raw['livebind'] as { resume_deletes?: unknown } | null | undefined)?.resume_deletes === true };
    case 'auth_error':
      return { type, message: str(raw['message']) };
    case 'subscription_ack':
    case 'initial_data_batch': {
      const batch = decodeBatchControl(raw['batch_control'], text);
      if (!batch) return malformed(type, 'batch_control');
      // The ack's schema fields and the page's rows are both arrays of objects.
      const field = type === 'subscription_ack' ? 'schema' : 'rows';
      const list = rowsOf(raw[field]);
      if (!list) return malformed(type, field);
      if (type === 'initial_data_batch') return { type, subscriptionId, rows: list, batch };
      const total = raw['total_rows'];
      const totalRows = Number.isSafeInteger(total) && (total as number) >= 0 ? (total as number) : undefined;
      return { type, subscriptionId, schema: list.map(decodeField), batch, totalRows };
    }
    case 'change': {
      const changeType = raw['change_type'];
      if (changeType !== 'insert' && changeType !== 'update' && changeType !== 'delete') return malformed(type, 'change_type');
      const rows = rowsOf(raw['rows']);
      const oldValues = rowsOf(raw['old_values']);
      // The change's row (K§6.4): a delete's tombstone in old_values, else the new version in rows.
      // A change without it cannot be applied; dropping it silently would lose it.
      const field = changeType === 'delete' ? 'old_values' : 'rows';
      if (!rows || !oldValues || (changeType === 'delete' ? oldValues : rows).length === 0) return malformed(type, field);
      return { type, subscriptionId, changeType, rows, oldValues };
    }
    case 'error':
      return { type, subscriptionId, code: str(raw['code']), message: str(raw['message']) };
    default:
      // Forward compatibility: a newer server may add messages (the session ignores them).
      return { type: 'unknown', name: type };
  }
}

function invalid(reason: string): ServerMessage {
  return { type: 'invalid', reason };
}

/**
 * A frame of a known type with a field it cannot be used without: the reason names both. (A
 * module function, not a closure over `type`: a closure per frame costs the decoder a third.)
 */
function malformed(type: string, field: string): ServerMessage {
  return invalid(`malformed "${field}" in ${type}`);
}

/** Encode one client command (already in wire shape) as a JSON text frame; SeqIds as bare integers from bigint. */
export function encodeClientCommand(command: ClientCommand): string {
  // JSON has no bigint: each one goes out as a marked string, then loses its quotes.
  return JSON.stringify(command, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARK}${value}` : value)).replace(BIGINT_STRING, '$1');
}

const BIGINT_MARK = '\u0000bigint:';
/** A marked bigint as JSON writes it (the NUL escaped): a whole string value of exactly this form, which SQL text, ids and tokens never are. */
const BIGINT_STRING = /"\\u0000bigint:(-?\d+)"/g;

/** Parse `_seq` (string, or number from lenient servers) as bigint; undefined when absent/invalid/inexact. */
export function seqOf(row: WireRow): bigint | undefined {
  return seqId(row['_seq']);
}

function decodeBatchControl(value: unknown, text: string): BatchControl | undefined {
  if (!isObject(value)) return undefined;
  // Exact digits: the batch_control object has no nested objects, so its text runs to the next '}'.
  // A key with unescaped quotes can only be a real key (string contents escape their quotes). The
  // digits are used only when they agree with the value JSON.parse produced for the same field.
  const at = text.lastIndexOf(BATCH_CONTROL);
  const body = text.slice(at + BATCH_CONTROL.length, text.indexOf('}', at));
  /** A SeqId field: its digits in `body` (a null value has none), checked against the parsed value; none without the text. */
  const seq = (key: string): bigint | undefined =>
    at === -1 ? undefined : seqId(value[key], new RegExp(`"${key}":\\s*(-?\\d+)`).exec(body)?.[1]);
  return {
    hasMore: value['has_more'] === true,
    lastSeqId: seq('last_seq_id'),
    snapshotEndSeq: seq('snapshot_end_seq'),
  };
}

/**
 * A SeqId as an exact bigint: decimal digits in a string, or a JSON integer. JSON.parse rounds
 * integers above 2^53, so such a number counts only with `digits` (its text) that agree with it.
 */
function seqId(value: unknown, digits?: string): bigint | undefined {
  if (typeof value === 'string' ? /^-?\d+$/.test(value) : Number.isSafeInteger(value)) return BigInt(value as string | number);
  // (Number(undefined) is NaN, which equals nothing.)
  return Number(digits) === value ? BigInt(digits!) : undefined;
}

/** A schema field of an ack or an HTTP result. */
export function decodeField(f: Record<string, unknown>): SchemaField {
  return {
    name: str(f['name']),
    dataType: f['data_type'],
    index: typeof f['index'] === 'number' ? f['index'] : 0,
    flags: Array.isArray(f['flags']) ? f['flags'].filter((x): x is string => typeof x === 'string') : [],
  };
}

/** A rows array (the parsed array itself: no copy per frame); [] when absent; undefined when it is not an array of objects. */
function rowsOf(value: unknown): WireRow[] | undefined {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) && value.every(isObject) ? value : undefined;
}

/** JSON.parse, or undefined when the text is not JSON (JSON itself has no undefined). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a string, else `fallback`. */
export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}
