/**
 * Fuzzing the client from a fake KalamDB server. Frames are generated together with an oracle
 * written here from the protocol, not from the client's codec: what each frame is (a valid change,
 * a frame the client must ignore, or a frame that breaks the stream) and what the rows must be.
 *
 * - valid insert / update / delete: applied; the liveRows snapshot equals the oracle's table;
 * - ignorable (a well-formed message of an unknown type, a change for a subscription the client
 *   never made): nothing happens, the socket stays;
 * - stream-breaking (bad JSON, a known type with a bad shape, undecodable binary): the client drops
 *   the socket with a ProtocolError on status$, reconnects and reloads; the fake server answers the
 *   new subscribe with the oracle's table, after which rows equal it again.
 * Never a throw out of the client, never a lost or invented row.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { harness, schema } from '../connection/clientHarness.js';
import { FakeSocket } from '../connection/fakeSocket.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Step =
  | { kind: 'insert'; body: string }
  | { kind: 'update'; pick: number; body: string }
  | { kind: 'delete'; pick: number }
  | { kind: 'ignorable'; variant: number }
  | { kind: 'breaking'; variant: number; noise: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), body: fc.string({ maxLength: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), body: fc.string({ maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ignorable' as const), variant: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('breaking' as const), variant: fc.nat({ max: 5 }), noise: fc.string({ maxLength: 20 }) }) },
);

test('random valid, ignorable and stream-breaking frames: rows always match the oracle', async () => {
  let frames = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 30, maxLength: 80 }), async (steps) => {
      const h = harness({ resume: 'reload', reconnect: { initialDelayMs: 10, maxDelayMs: 20, jitter: 'none' } });
      const live = h.client.liveRows<{ id: string; body: string }>('SELECT id, body FROM app.t');
      const errors: unknown[] = [];
      live.subscribe({ error: (e) => errors.push(e) });
      await vi.advanceTimersByTimeAsync(0);

      // The oracle: the server's table, and the last SeqId it handed out.
      const table = new Map<string, string>();
      let seq = 100;
      let nextId = 1;
      const subId = () => (FakeSocket.last.messages.find((m) => m['type'] === 'subscribe')!['subscription'] as { id: string }).id;
      const serve = async () => {
        // A (re)connected socket: authenticate, then answer the subscribe with the whole table.
        FakeSocket.last.accept();
        await vi.advanceTimersByTimeAsync(0);
        const id = subId();
        const rows = [...table].map(([k, body]) => ({ id: k, body, _seq: String(++seq) }));
        FakeSocket.last.deliver(JSON.parse(`{"type":"subscription_ack","subscription_id":"${id}","total_rows":${rows.length},"batch_control":{"batch_num":0,"has_more":false,"status":"ready","last_seq_id":${seq},"snapshot_end_seq":${seq}},"schema":${JSON.stringify(schema)}}`));
        FakeSocket.last.deliver({ type: 'initial_data_batch', subscription_id: id, rows, batch_control: { batch_num: 0, has_more: false, status: 'ready', last_seq_id: seq } });
      };
      const expectRows = () => {
        const snap = live.getSnapshot();
        expect(snap.status).toBe('ready');
        const got = new Map(snap.rows.map((r) => [r.id, r.body]));
        expect(got).toEqual(table);
        expect(snap.size).toBe(table.size);
      };

      await serve();
      expectRows();
      for (const s of steps) {
        frames++;
        const socket = FakeSocket.last;
        const id = subId();
        const keys = [...table.keys()];
        if (s.kind === 'insert') {
          const key = String(nextId++);
          table.set(key, s.body);
          socket.deliver({ type: 'change', subscription_id: id, change_type: 'insert', rows: [{ id: key, body: s.body, _seq: String(++seq) }] });
        } else if (s.kind === 'update' && keys.length > 0) {
          const key = keys[s.pick % keys.length]!;
          table.set(key, s.body);
          socket.deliver({ type: 'change', subscription_id: id, change_type: 'update', rows: [{ id: key, body: s.body, _seq: String(++seq) }], old_values: [{ id: key, body: 'old', _seq: String(seq - 1) }] });
        } else if (s.kind === 'delete' && keys.length > 0) {
          const key = keys[s.pick % keys.length]!;
          table.delete(key);
          socket.deliver({ type: 'change', subscription_id: id, change_type: 'delete', old_values: [{ id: key, _seq: String(++seq) }] });
        } else if (s.kind === 'ignorable') {
          socket.deliver(
            s.variant === 0
              ? { type: 'server_notice_from_the_future', detail: 1 }
              : { type: 'change', subscription_id: `not-ours-${s.variant}`, change_type: 'insert', rows: [{ id: 'x', body: 'x', _seq: String(++seq) }] },
          );
          expect(socket.closed, 'an ignorable frame must not drop the socket').toBeUndefined();
        } else if (s.kind === 'breaking') {
          const variants = [
            () => socket.deliver(`{"type":"change","subscription_id":"${id}","change_type":"insert","rows":[{"id":"9`),
            () => socket.deliver(`${s.noise}{`),
            () => socket.deliver({ type: 'change', subscription_id: id, change_type: 'insert', rows: 'not an array' }),
            () => socket.deliver({ type: 'initial_data_batch', subscription_id: id, rows: 5 }),
            () => socket.deliverBinary(new Uint8Array([0x1f, 0x8b, 0x08, 0x00, ...new TextEncoder().encode(s.noise)])),
            () => socket.deliver({ type: 'subscription_ack', subscription_id: id, schema: 'nope' }),
          ];
          variants[s.variant % variants.length]!();
          await vi.advanceTimersByTimeAsync(0);
          expect(socket.closed, `breaking frame ${s.variant} must drop the socket`).toBeDefined();
          const states = h.states.map((st) => st.lastError?.kind).filter(Boolean);
          expect(states).toContain('protocol');
          await vi.advanceTimersByTimeAsync(25);
          expect(FakeSocket.last).not.toBe(socket);
          await serve();
        } else {
          continue;
        }
        await vi.advanceTimersByTimeAsync(0);
        expectRows();
      }
      expect(errors).toEqual([]);
      await h.client.close();
    }),
    { numRuns: 200, seed: 4242 },
  );
  expect(frames).toBeGreaterThan(8000);
}, 60_000);
