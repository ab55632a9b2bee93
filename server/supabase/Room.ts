/**
 * One channel topic across sockets (public and private channels of one name are separate rooms):
 * its members, broadcast fan-out (spec §3.6) and presence (§3.7). Each outgoing frame is encoded
 * at most once per protocol version and shared by every member.
 */
import { encodeText, encodeUserBroadcast, type Vsn } from './phoenixFrame.js';
import { diffJson, PresenceState, type PresenceDiff } from './PresenceState.js';

/** Where a member's frames go (its socket). */
export interface MemberSocket {
  readonly vsn: Vsn;
  sendFrame(frame: string | Uint8Array): void;
}

export interface RoomMember {
  readonly socket: MemberSocket;
  /** Presence enabled at join, or tracked since: receives presence_diff. */
  readonly receivesPresence: boolean;
}

/**
 * A broadcast: JSON origin (v1 text, REST JSON, v2 text) or binary origin (v2 kind 3, REST octets).
 * `payloadJson` is set unless the payload is raw bytes.
 */
export interface BroadcastMessage {
  readonly event: string;
  readonly payloadJson: string | undefined;
  /** Binary origin: the kind 3 payload bytes (UTF-8 JSON when payloadJson is set, else raw). */
  readonly payloadBytes: Uint8Array | undefined;
}

export class Room {
  readonly members = new Set<RoomMember>();
  readonly presence = new PresenceState();

  constructor(readonly topic: string) {}

  broadcast(from: RoomMember | undefined, message: BroadcastMessage, self: boolean): void {
    const frames: Partial<Record<Vsn, string | Uint8Array | null>> = {};
    for (const member of this.members) {
      if (member === from && !self) continue;
      const vsn = member.socket.vsn;
      let frame = frames[vsn];
      if (frame === undefined) frame = frames[vsn] = this.encodeBroadcast(vsn, message);
      if (frame !== null) member.socket.sendFrame(frame);
    }
  }

  /** The frame for one version; null when v1 cannot receive it (raw binary, §2.2). */
  private encodeBroadcast(vsn: Vsn, m: BroadcastMessage): string | Uint8Array | null {
    if (m.payloadBytes !== undefined && vsn === '2.0.0') {
      const frame = encodeUserBroadcast(this.topic, m.event, '', m.payloadJson === undefined ? 'binary' : 'json', m.payloadBytes);
      if (frame !== undefined) return frame;
    }
    if (m.payloadJson === undefined) return null;
    return encodeText(vsn, null, null, this.topic, 'broadcast', `{"type":"broadcast","event":${JSON.stringify(m.event)},"payload":${m.payloadJson}}`);
  }

  /** Sends a presence_diff to every member that receives presence. */
  presenceDiff(diff: PresenceDiff | undefined): void {
    if (diff === undefined) return;
    const json = diffJson(diff);
    const frames: Partial<Record<Vsn, string>> = {};
    for (const member of this.members) {
      if (!member.receivesPresence) continue;
      const vsn = member.socket.vsn;
      const frame = (frames[vsn] ??= encodeText(vsn, null, null, this.topic, 'presence_diff', json));
      member.socket.sendFrame(frame);
    }
  }

  add(member: RoomMember): void {
    this.members.add(member);
  }

  /** Removes a member and sends its presence leave. */
  remove(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    this.presenceDiff(this.presence.remove(member));
  }

  get empty(): boolean {
    return this.members.size === 0;
  }
}
