// Golden frames of spec §2.2/§2.3: the exact bytes realtime-js and the server exchange.
import { describe, expect, it } from 'vitest';
import { isLivebindError } from '../../../src/errors.js';
import type { PhoenixMessage } from '../../../src/protocol/supabase/phoenixMessage.js';
import { serializerFor } from '../../../src/protocol/supabase/serializer.js';

const v1 = serializerFor('1.0.0');
const v2 = serializerFor('2.0.0');
const utf8 = new TextEncoder();

function bytes(...parts: (number[] | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...(typeof p === 'string' ? utf8.encode(p) : p));
  return Uint8Array.from(out);
}

const cursor: PhoenixMessage = {
  joinRef: '6',
  ref: '7',
  topic: 'realtime:room1',
  event: 'broadcast',
  payload: { type: 'broadcast', event: 'cursor', payload: { x: 1, y: 'é' } },
};

describe('vsn 2.0.0 binary (§2.3)', () => {
  it('encodes a JSON broadcast push as kind 3 with encoding 1', () => {
    expect(v2.encode(cursor)).toEqual(bytes([0x03, 0x01, 0x01, 0x0e, 0x06, 0x00, 0x01], '6', '7', 'realtime:room1', 'cursor', '', '{"x":1,"y":"é"}'));
  });

  it('encodes a byte payload as kind 3 with encoding 0', () => {
    const frame = v2.encode({ ...cursor, payload: { type: 'broadcast', event: 'cursor', payload: Uint8Array.from([0x7d, 0xff]) } });
    expect(frame).toEqual(bytes([0x03, 0x01, 0x01, 0x0e, 0x06, 0x00, 0x00], '6', '7', 'realtime:room1', 'cursor', '', [0x7d, 0xff]));
  });

  it('decodes kind 4 into a broadcast message like a JSON one', () => {
    const frame = bytes([0x04, 0x0e, 0x06, 0x00, 0x01], 'realtime:room1', 'cursor', '', '{"x":1,"y":"é"}');
    expect(v2.decode(frame)).toEqual({
      joinRef: null,
      ref: null,
      topic: 'realtime:room1',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'cursor', payload: { x: 1, y: 'é' } },
    });
  });

  it('decodes kind 4 raw bytes and metadata', () => {
    const frame = bytes([0x04, 0x0e, 0x06, 0x0c, 0x00], 'realtime:room1', 'cursor', '{"id":"m-1"}', [0x7d, 0xff]);
    const decoded = v2.decode(frame);
    expect(decoded).toMatchObject({ event: 'broadcast', payload: { type: 'broadcast', event: 'cursor', meta: { id: 'm-1' } } });
    expect((decoded as PhoenixMessage & { payload: { payload: Uint8Array } }).payload.payload).toEqual(Uint8Array.from([0x7d, 0xff]));
  });

  it('falls back to text for a JSON broadcast whose event is over 255 bytes, refuses a binary one', () => {
    const long = 'e'.repeat(256);
    expect(typeof v2.encode({ ...cursor, payload: { type: 'broadcast', event: long, payload: 1 } })).toBe('string');
    const refused = v2.encode({ ...cursor, payload: { type: 'broadcast', event: long, payload: new Uint8Array(1) } });
    expect(isLivebindError(refused) && refused.code).toBe('FIELD_TOO_LONG');
  });
});

describe('vsn 2.0.0 text (§2.3, §3.1)', () => {
  it('encodes a heartbeat and a join as arrays with null for absent refs', () => {
    expect(v2.encode({ joinRef: null, ref: '10', topic: 'phoenix', event: 'heartbeat', payload: {} })).toBe('[null,"10","phoenix","heartbeat",{}]');
    expect(v2.encode({ joinRef: '6', ref: '6', topic: 'realtime:room1', event: 'phx_join', payload: { config: {} } })).toBe(
      '["6","6","realtime:room1","phx_join",{"config":{}}]',
    );
  });

  it('decodes a reply', () => {
    expect(v2.decode('[null,"10","phoenix","phx_reply",{"status":"ok","response":{}}]')).toEqual({
      joinRef: null,
      ref: '10',
      topic: 'phoenix',
      event: 'phx_reply',
      payload: { status: 'ok', response: {} },
    });
  });
});

describe('vsn 1.0.0 (§2.2)', () => {
  it('encodes objects, omitting absent refs', () => {
    expect(v1.encode({ joinRef: null, ref: '9', topic: 'phoenix', event: 'heartbeat', payload: {} })).toBe('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"9"}');
    expect(v1.encode(cursor)).toBe(
      '{"topic":"realtime:room1","event":"broadcast","payload":{"type":"broadcast","event":"cursor","payload":{"x":1,"y":"é"}},"ref":"7","join_ref":"6"}',
    );
  });

  it('decodes a server push without join_ref', () => {
    expect(v1.decode('{"topic":"realtime:room1","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"6"}')).toEqual({
      joinRef: null,
      ref: '6',
      topic: 'realtime:room1',
      event: 'phx_reply',
      payload: { status: 'ok', response: {} },
    });
  });

  it('refuses binary payloads instead of sending {}', () => {
    const refused = v1.encode({ ...cursor, payload: { type: 'broadcast', event: 'cursor', payload: new Uint8Array(2) } });
    expect(isLivebindError(refused) && refused.code).toBe('BINARY_NEEDS_V2');
  });
});

describe('malformed frames give a typed ProtocolError value, never a throw', () => {
  const badV2: [string, string | Uint8Array][] = [
    ['bad JSON', '[null,"1"'],
    ['short array', '[null,"1","t","e"]'],
    ['object on v2', '{"topic":"t","event":"e","payload":{}}'],
    ['topic not a string', '[null,null,7,"e",{}]'],
    ['ref an object', '[{},null,"t","e",{}]'],
    ['empty binary', new Uint8Array(0)],
    ['kind 3 from the server', bytes([0x03, 0, 0, 0, 0, 0, 0])],
    ['kind 0', bytes([0x00, 0, 0, 0, 0])],
    ['truncated header', bytes([0x04, 0x01])],
    ['lengths past the end', bytes([0x04, 0x0e, 0x06, 0x00, 0x01], 'realtime:room1', 'cur')],
    ['bad encoding byte', bytes([0x04, 0x01, 0x01, 0x00, 0x07], 't', 'e', '{}')],
    ['invalid UTF-8 topic', bytes([0x04, 0x01, 0x01, 0x00, 0x01], [0xff], 'e', '{}')],
    ['JSON payload not JSON', bytes([0x04, 0x01, 0x01, 0x00, 0x01], 't', 'e', '{')],
    ['metadata not an object', bytes([0x04, 0x01, 0x01, 0x01, 0x01], 't', 'e', '1', '{}')],
  ];
  it.each(badV2)('v2: %s', (_name, frame) => {
    const result = v2.decode(frame);
    expect(isLivebindError(result)).toBe(true);
    expect(result).toMatchObject({ kind: 'protocol', code: 'MALFORMED_FRAME' });
  });

  const badV1: [string, string | Uint8Array][] = [
    ['bad JSON', '{"topic":'],
    ['array on v1', '[null,null,"t","e",{}]'],
    ['event missing', '{"topic":"t","payload":{}}'],
    ['binary frame', new Uint8Array([4])],
  ];
  it.each(badV1)('v1: %s', (_name, frame) => {
    expect(v1.decode(frame)).toMatchObject({ kind: 'protocol', code: 'MALFORMED_FRAME' });
  });

  it('an unserialisable payload is a UsageError value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(v2.encode({ joinRef: '1', ref: '2', topic: 't', event: 'presence', payload: cyclic })).toMatchObject({ kind: 'usage', code: 'PAYLOAD_NOT_JSON' });
    expect(v1.encode({ joinRef: '1', ref: '2', topic: 't', event: 'presence', payload: { n: 1n } })).toMatchObject({ kind: 'usage', code: 'PAYLOAD_NOT_JSON' });
  });
});
