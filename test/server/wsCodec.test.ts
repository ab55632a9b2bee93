import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InvalidMessage, parseClientMessage } from '../../server/kalamdb/ws/clientMessage.js';
import { JsonNumber, parseLosslessJson } from '../../server/kalamdb/ws/losslessJson.js';
import { changeMessage, initialDataBatchMessage, toFrame } from '../../server/kalamdb/ws/serverMessages.js';

describe('lossless JSON', () => {
  it('keeps integer digits beyond 2^53 and parses like JSON.parse otherwise', () => {
    const v = parseLosslessJson('{"a":305419896123456789,"b":[1.5,-2e3,"x\\"y\\\\",true,false,null],"c":{}}') as Record<string, unknown>;
    expect(v['a']).toEqual(new JsonNumber('305419896123456789'));
    const b = v['b'] as unknown[];
    expect(b[2]).toBe('x"y\\');
    expect(b.slice(3)).toEqual([true, false, null]);
  });
  it.each(['', '{', '{"a":}', '[1,]', '{"a":1}x', '"\u0001"', '01', '{"a" 1}', 'nul', '"abc', '"\\q"'])('rejects %j', (text) => {
    expect(() => parseLosslessJson(text)).toThrow();
  });
  it('limits nesting', () => {
    expect(() => parseLosslessJson('['.repeat(10_000) + ']'.repeat(10_000))).toThrow(/deep/);
  });
  it('parses a 1 MiB string quickly', () => {
    const big = JSON.stringify({ type: 'ping', pad: 'x\\"'.repeat(350_000) });
    expect(parseLosslessJson(big)).toBeTruthy();
  });
});

describe('client messages', () => {
  it('reads SeqIds losslessly and options with aliases', () => {
    const m = parseClientMessage(
      '{"type":"subscribe","subscription":{"id":"s","sql":"SELECT 1","options":{"batch_size":10,"from_seq_id":305419896123456789,"snapshot_end_seq":305419999999999999}}}',
    );
    expect(m).toEqual({ type: 'subscribe', id: 's', sql: 'SELECT 1', options: { batchSize: 10, from: 305419896123456789n, snapshotEndSeq: 305419999999999999n } });
    expect(parseClientMessage('{"type":"subscribe","subscription":{"id":"s","sql":"x","options":null}}')).toMatchObject({ options: undefined });
    expect(parseClientMessage('{"type":"next_batch","subscription_id":"s","last_seq_id":9007199254740993}')).toEqual({
      type: 'next_batch',
      subscriptionId: 's',
      lastSeqId: 9007199254740993n,
    });
  });
  it('defaults a missing protocol to json/gzip', () => {
    expect(parseClientMessage('{"type":"authenticate","method":"jwt","token":"t"}')).toEqual({
      type: 'authenticate',
      token: 't',
      protocol: { serialization: 'json', compression: 'gzip' },
    });
  });
  it.each([
    'nope',
    '[]',
    '{}',
    '{"type":"dance"}',
    '{"type":"subscribe"}',
    '{"type":"subscribe","subscription":{"id":1,"sql":"x"}}',
    '{"type":"subscribe","subscription":{"id":"a","sql":"x","options":{"from":"123"}}}',
    '{"type":"subscribe","subscription":{"id":"a","sql":"x","options":{"batch_size":-1}}}',
    '{"type":"subscribe","subscription":{"id":"a","sql":"x","options":{"from":99999999999999999999}}}',
    '{"type":"next_batch"}',
    '{"type":"authenticate","method":"basic","token":"t"}',
    '{"type":"authenticate","token":"t","protocol":{"serialization":"xml"}}',
    '{"type":"unsubscribe","subscription_id":null}',
  ])('rejects %s', (text) => {
    expect(() => parseClientMessage(text)).toThrow(InvalidMessage);
  });
});

describe('server frames', () => {
  it('writes batch_control SeqIds as bare integers and row _seq as strings', () => {
    const json = initialDataBatchMessage('s', [{ id: '1', _seq: '305419896123456789' }], {
      batchNum: 0,
      hasMore: false,
      status: 'ready',
      lastSeqId: 305419896123456789n,
      snapshotEndSeq: null,
    });
    expect(json).toBe(
      '{"type":"initial_data_batch","subscription_id":"s","rows":[{"id":"1","_seq":"305419896123456789"}],"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":305419896123456789,"snapshot_end_seq":null}}',
    );
  });
  it('gzips messages at the threshold into binary frames, text below or when disabled', () => {
    const small = changeMessage('s', { changeType: 'insert', row: { id: '1', _seq: '2' } });
    expect(toFrame(small, true, 512)).toEqual({ data: small, binary: false });
    const big = changeMessage('s', { changeType: 'insert', row: { id: '1', text: 'a'.repeat(600), _seq: '2' } });
    const frame = toFrame(big, true, 512);
    expect(frame.binary).toBe(true);
    expect(gunzipSync(frame.data as Buffer).toString()).toBe(big);
    expect(toFrame(big, false, 512)).toEqual({ data: big, binary: false });
  });
});
