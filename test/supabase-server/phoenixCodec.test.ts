/**
 * Pure parts of the Supabase front end: frame codec against the spec's byte examples (§2.3),
 * filter parsing (§4), presence diffs (§3.7) and the row_to_json cell encoding.
 */
import { describe, expect, it } from 'vitest';
import { decodeBinary, decodeText, encodeText, encodeUserBroadcast } from '../../server/supabase/phoenixFrame.js';
import { pgJsonValue } from '../../server/supabase/pgJson.js';
import { FilterError, parseRealtimeFilter } from '../../server/supabase/postgresFilter.js';
import { diffJson, PresenceState } from '../../server/supabase/PresenceState.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));
const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];

describe('phoenixFrame', () => {
  it('decodes the spec’s kind 3 example (JSON payload) and encodes its kind 4 counterpart', () => {
    const payload = utf8('{"x":1,"y":"é"}');
    const frame = Uint8Array.from([...hex('03 01 01 0e 06 00 01'), ...utf8('67realtime:room1cursor'), ...payload]);
    const decoded = decodeBinary(frame);
    expect(decoded).toMatchObject({ kind: 'binary', push: { joinRef: '6', ref: '7', topic: 'realtime:room1', event: 'cursor', metadata: '', encoding: 'json' } });
    expect(decoded.kind === 'binary' && [...decoded.push.payload]).toEqual(payload);
    const out = encodeUserBroadcast('realtime:room1', 'cursor', '', 'json', Uint8Array.from(payload));
    expect([...out!]).toEqual([...hex('04 0e 06 00 01'), ...utf8('realtime:room1cursor'), ...payload]);
  });

  it('refuses bad lengths, kinds and encodings with a reason', () => {
    expect(decodeBinary(hex('03 01 01 ff 06 00 01'))).toMatchObject({ kind: 'error', error: expect.stringMatching(/lengths exceed/) });
    expect(decodeBinary(hex('04 00 00 00 01'))).toMatchObject({ kind: 'error', error: expect.stringMatching(/binary kind 4/) });
    expect(decodeBinary(Uint8Array.from([3, 0, 0, 1, 0, 0, 9, ...utf8('t')]))).toMatchObject({ kind: 'error', topic: 't' });
  });

  it('v1 objects and v2 arrays in; v1 strips join_ref out', () => {
    expect(decodeText('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"9"}', '1.0.0')).toEqual({
      kind: 'message',
      message: { joinRef: null, ref: '9', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
    expect(decodeText('["6","6","realtime:r","phx_join",{},"extra"]', '2.0.0')).toMatchObject({ kind: 'message', message: { joinRef: '6', topic: 'realtime:r' } });
    expect(decodeText('["6","7","realtime:r"]', '2.0.0')).toMatchObject({ kind: 'error', ref: '7', topic: 'realtime:r' });
    expect(encodeText('1.0.0', '6', '7', 't', 'phx_reply', '{}')).toBe('{"topic":"t","event":"phx_reply","payload":{},"ref":"7"}');
    expect(encodeText('2.0.0', null, null, 't', 'broadcast', '{}')).toBe('[null,null,"t","broadcast",{}]');
  });
});

describe('parseRealtimeFilter', () => {
  it('parses operators, not., quoting and AND by top-level commas', () => {
    expect(parseRealtimeFilter('id=gt.0,status=not.in.(draft,"a,b"),name=eq."x,y"')).toEqual([
      { column: 'id', op: 'gt', negate: false, value: '0' },
      { column: 'status', op: 'in', negate: true, value: ['draft', 'a,b'] },
      { column: 'name', op: 'eq', negate: false, value: 'x,y' },
    ]);
    expect(parseRealtimeFilter('  ')).toEqual([]);
  });

  it.each([['id=in.1,2'], ['id=eq.1,,id=eq.2'], ['id=zz.1'], ['id=match.^a'], ['id'], ['id=is.maybe'], [`id=in.(${Array.from({ length: 101 }, (_, i) => i).join(',')})`]])(
    'rejects %s',
    (text) => {
      expect(() => parseRealtimeFilter(text)).toThrow(FilterError);
    },
  );
});

describe('PresenceState', () => {
  it('track, identical re-track, update (one diff with phx_ref_prev), remove', () => {
    const p = new PresenceState();
    const owner = {};
    const first = p.track(owner, 'k', '{"a":1}')!;
    const meta = JSON.parse(first.joins.get('k')![0]!) as { phx_ref: string };
    expect(p.track(owner, 'k', '{"a":1}')).toBeUndefined();
    const update = JSON.parse(diffJson(p.track(owner, 'k', '{"a":2}')!));
    expect(update.leaves).toEqual({ k: { metas: [{ a: 1, phx_ref: meta.phx_ref }] } });
    expect(update.joins.k.metas[0]).toEqual({ a: 2, phx_ref: expect.any(String), phx_ref_prev: meta.phx_ref });
    expect(JSON.parse(p.stateJson())).toEqual({ k: { metas: [update.joins.k.metas[0]] } });
    expect(JSON.parse(diffJson(p.remove(owner)!)).leaves.k.metas).toHaveLength(1);
    expect(p.remove(owner)).toBeUndefined();
    expect(JSON.parse(p.track({}, 'x', '{"phx_ref":"mine"}')!.joins.get('x')![0]!).phx_ref).not.toBe('mine');
  });
});

describe('pgJsonValue', () => {
  it('encodes wire cells like row_to_json, keeping exact digits', () => {
    expect(pgJsonValue('int8', '42')).toBe(42);
    expect(pgJsonValue('int8', '9007199254740993')).toBe('9007199254740993');
    expect(pgJsonValue('numeric', '1.50')).toBe(1.5);
    expect(pgJsonValue('numeric', '0.1000000000000000000001')).toBe('0.1000000000000000000001');
    expect(pgJsonValue('numeric', '1.5')).toBe(1.5);
    expect(pgJsonValue('timestamptz', Date.UTC(2026, 0, 2, 3, 4, 5, 678) * 1000 + 9)).toBe('2026-01-02T03:04:05.678009+00:00');
    expect(pgJsonValue('date', 0)).toBe('1970-01-01');
    expect(pgJsonValue('time', 3_723_500_000)).toBe('01:02:03.5');
    expect(pgJsonValue('bytea', [0, 255])).toBe('\\x00ff');
    expect(pgJsonValue('_int8', ['1', null])).toEqual([1, null]);
  });
});
