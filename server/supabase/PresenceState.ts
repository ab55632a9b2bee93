/**
 * Presence of one room (spec §3.7): key → one meta per tracking join, each with a fresh unique
 * `phx_ref`. A changed payload is ONE diff: leave(old meta) + join(new meta with `phx_ref_prev`);
 * an identical re-track is no diff. Metas are immutable JSON texts, so a diff never aliases state.
 */
import { randomBytes } from 'node:crypto';

/** Opaque presence holder: one per channel join. */
export type PresenceOwner = object;

interface Entry {
  readonly key: string;
  readonly payloadJson: string;
  /** The meta as JSON text: payload + phx_ref (+ phx_ref_prev). */
  readonly metaJson: string;
  readonly ref: string;
}

export interface PresenceDiff {
  readonly joins: ReadonlyMap<string, readonly string[]>;
  readonly leaves: ReadonlyMap<string, readonly string[]>;
}

let refCounter = 0;
const refPrefix = randomBytes(6).toString('base64url');

/** A unique opaque ref (`F` + process prefix + counter). */
function newRef(): string {
  refCounter = (refCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `F${refPrefix}${refCounter.toString(36)}`;
}

function metaJson(payloadJson: string, ref: string, prev: string | undefined): string {
  const extra = `"phx_ref":${JSON.stringify(ref)}${prev === undefined ? '' : `,"phx_ref_prev":${JSON.stringify(prev)}`}`;
  // After the payload, so a client key named phx_ref cannot override the server's.
  return payloadJson === '{}' ? `{${extra}}` : `${payloadJson.slice(0, -1)},${extra}}`;
}

/** `{"key":{"metas":[…]},…}` */
function groupJson(groups: ReadonlyMap<string, readonly string[]>): string {
  const parts: string[] = [];
  for (const [key, metas] of groups) parts.push(`${JSON.stringify(key)}:{"metas":[${metas.join(',')}]}`);
  return `{${parts.join(',')}}`;
}

export function diffJson(diff: PresenceDiff): string {
  return `{"joins":${groupJson(diff.joins)},"leaves":${groupJson(diff.leaves)}}`;
}

export class PresenceState {
  private readonly entries = new Map<PresenceOwner, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** `payloadJson` must be the JSON text of an object. Undefined when nothing changed. */
  track(owner: PresenceOwner, key: string, payloadJson: string): PresenceDiff | undefined {
    const old = this.entries.get(owner);
    if (old !== undefined && old.key === key && old.payloadJson === payloadJson) return undefined;
    const ref = newRef();
    const sameKey = old !== undefined && old.key === key;
    const entry: Entry = { key, payloadJson, ref, metaJson: metaJson(payloadJson, ref, sameKey ? old.ref : undefined) };
    this.entries.set(owner, entry);
    return { joins: new Map([[key, [entry.metaJson]]]), leaves: old === undefined ? new Map() : new Map([[old.key, [old.metaJson]]]) };
  }

  /** Untrack, leave or socket drop. Undefined when the owner tracked nothing. */
  remove(owner: PresenceOwner): PresenceDiff | undefined {
    const old = this.entries.get(owner);
    if (old === undefined) return undefined;
    this.entries.delete(owner);
    return { joins: new Map(), leaves: new Map([[old.key, [old.metaJson]]]) };
  }

  /** The `presence_state` payload. */
  stateJson(): string {
    const groups = new Map<string, string[]>();
    for (const e of this.entries.values()) {
      const list = groups.get(e.key);
      if (list === undefined) groups.set(e.key, [e.metaJson]);
      else list.push(e.metaJson);
    }
    return groupJson(groups);
  }
}
