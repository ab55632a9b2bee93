/**
 * Client → server messages (spec §6.1) and their hand-written validators. `parseClientMessage`
 * returns a typed message or an InvalidMessage reason (the server then closes with 1011).
 * SeqIds are read losslessly as bigint; a SeqId sent as a string is invalid, as in KalamDB.
 */
import { JsonNumber, JsonSyntaxError, parseLosslessJson, type JsonValue } from './losslessJson.js';

export interface WireProtocol {
  readonly serialization: 'json' | 'msgpack';
  readonly compression: 'none' | 'gzip';
}

export interface SubscribeOptions {
  readonly batchSize?: number;
  readonly lastRows?: number;
  readonly from?: bigint;
  readonly snapshotEndSeq?: bigint;
}

export type ClientMessage =
  | { readonly type: 'authenticate'; readonly token: string; readonly protocol: WireProtocol }
  | {
      readonly type: 'subscribe';
      readonly id: string;
      readonly sql: string;
      /** undefined: live only, no initial load (`options` absent or null). */
      readonly options: SubscribeOptions | undefined;
    }
  | { readonly type: 'next_batch'; readonly subscriptionId: string; readonly lastSeqId: bigint | undefined }
  | { readonly type: 'unsubscribe'; readonly subscriptionId: string }
  | { readonly type: 'ping' };

export class InvalidMessage extends Error {}

export const DEFAULT_PROTOCOL: WireProtocol = { serialization: 'json', compression: 'gzip' };
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

type Obj = { readonly [key: string]: JsonValue };

export function parseClientMessage(text: string): ClientMessage {
  let value: JsonValue;
  try {
    value = parseLosslessJson(text);
  } catch (e) {
    throw new InvalidMessage(e instanceof JsonSyntaxError ? e.message : 'malformed JSON');
  }
  const msg = object(value, 'message');
  const type = msg['type'];
  switch (type) {
    case 'authenticate': {
      const method = msg['method'];
      if (method !== undefined && method !== 'jwt') throw new InvalidMessage('authenticate.method must be "jwt"');
      return { type, token: string(msg['token'], 'authenticate.token'), protocol: protocol(msg['protocol']) };
    }
    case 'subscribe': {
      const sub = object(msg['subscription'], 'subscribe.subscription');
      const opts = sub['options'];
      return {
        type,
        id: string(sub['id'], 'subscription.id'),
        sql: string(sub['sql'], 'subscription.sql'),
        options: opts === undefined || opts === null ? undefined : options(object(opts, 'subscription.options')),
      };
    }
    case 'next_batch': {
      const last = msg['last_seq_id'];
      return {
        type,
        subscriptionId: string(msg['subscription_id'], 'next_batch.subscription_id'),
        lastSeqId: last === undefined || last === null ? undefined : seqId(last, 'next_batch.last_seq_id'),
      };
    }
    case 'unsubscribe':
      return { type, subscriptionId: string(msg['subscription_id'], 'unsubscribe.subscription_id') };
    case 'ping':
      return { type };
    default:
      throw new InvalidMessage(typeof type === 'string' ? `unknown message type ${JSON.stringify(type.slice(0, 40))}` : 'missing field `type`');
  }
}

function object(v: JsonValue | undefined, what: string): Obj {
  if (v === undefined) throw new InvalidMessage(`missing field ${what}`);
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) throw new InvalidMessage(`${what} must be an object`);
  return v;
}

function string(v: JsonValue | undefined, what: string): string {
  if (v === undefined) throw new InvalidMessage(`missing field ${what}`);
  if (typeof v !== 'string') throw new InvalidMessage(`${what} must be a string`);
  return v;
}

function protocol(v: JsonValue | undefined): WireProtocol {
  if (v === undefined || v === null) return DEFAULT_PROTOCOL;
  const p = object(v, 'authenticate.protocol');
  const serialization = p['serialization'] ?? 'json';
  const compression = p['compression'] ?? 'gzip';
  if (serialization !== 'json' && serialization !== 'msgpack') throw new InvalidMessage('protocol.serialization must be "json" or "msgpack"');
  if (compression !== 'none' && compression !== 'gzip') throw new InvalidMessage('protocol.compression must be "none" or "gzip"');
  return { serialization, compression };
}

function options(o: Obj): SubscribeOptions {
  const out: { batchSize?: number; lastRows?: number; from?: bigint; snapshotEndSeq?: bigint } = {};
  const batchSize = count(o['batch_size'], 'options.batch_size');
  if (batchSize !== undefined) out.batchSize = batchSize;
  const lastRows = count(o['last_rows'], 'options.last_rows');
  if (lastRows !== undefined) out.lastRows = lastRows;
  const from = o['from'] ?? o['from_seq_id'];
  if (from !== undefined && from !== null) out.from = seqId(from, 'options.from');
  const end = o['snapshot_end_seq'];
  if (end !== undefined && end !== null) out.snapshotEndSeq = seqId(end, 'options.snapshot_end_seq');
  return out;
}

/** A non-negative integer up to 2^32 - 1 (usize/u32 on the server). */
function count(v: JsonValue | undefined, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof JsonNumber) || !/^\d+$/.test(v.text)) throw new InvalidMessage(`${what} must be a non-negative integer`);
  const n = Number(v.text);
  if (n > 0xffff_ffff) throw new InvalidMessage(`${what} is too large`);
  return n;
}

/** A SeqId: a bare JSON integer in the i64 range (a string fails, as in KalamDB). */
function seqId(v: JsonValue, what: string): bigint {
  if (!(v instanceof JsonNumber) || !/^-?\d+$/.test(v.text)) throw new InvalidMessage(`${what} must be an integer SeqId`);
  const n = BigInt(v.text);
  if (n < I64_MIN || n > I64_MAX) throw new InvalidMessage(`${what} is out of the i64 range`);
  return n;
}
