import { describe, expect, it } from 'vitest';
import { isLivebindError } from '../../../src/errors.js';
import type { PostgresBinding } from '../../../src/protocol/supabase/postgresBinding.js';
import { dedupeBindings, matchBindings } from '../../../src/protocol/supabase/postgresBinding.js';
import { buildJoinPayload, DEFAULT_JOIN_CONFIG } from '../../../src/protocol/supabase/joinPayload.js';

const todos: PostgresBinding = { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' };
const all: PostgresBinding = { event: '*', schema: 'public', table: 'todos' };

describe('phx_join payload (§3.2)', () => {
  it('always carries the full config, canonical bindings once, token and version', () => {
    const payload = buildJoinPayload({ ...DEFAULT_JOIN_CONFIG, broadcast: { ack: true, self: true }, postgresChanges: [todos, all, todos] }, 'jwt');
    expect(payload).toEqual({
      config: {
        broadcast: { ack: true, self: true },
        presence: { key: '', enabled: false },
        postgres_changes: [
          { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1' },
          { event: '*', schema: 'public', table: 'todos' },
        ],
        private: false,
      },
      access_token: 'jwt',
      version: 'livebind/0.1.0',
    });
    expect(JSON.stringify(payload.config.postgres_changes[1])).toBe('{"event":"*","schema":"public","table":"todos"}');
  });

  it('leaves access_token out when there is none (the apikey authorises)', () => {
    expect('access_token' in buildJoinPayload(DEFAULT_JOIN_CONFIG, undefined)).toBe(false);
  });

  it('dedupes equal bindings', () => {
    expect(dedupeBindings([all, { ...all }, todos])).toEqual([all, todos]);
  });
});

describe('reply-binding matching (§3.8, §7 #11)', () => {
  it('maps each binding to its server id, in order', () => {
    const reply = [
      { ...todos, id: 11 },
      { ...all, id: 22 },
    ];
    expect(matchBindings([todos, all], reply, 'realtime:t')).toEqual([11, 22]);
  });

  it('matches field by field, not by index, and tolerates a normalised echo', () => {
    const multi: PostgresBinding = { event: 'UPDATE', schema: 'public', table: 'todos', filter: 'a=in.(1,2),b=gt.0' };
    const reply = [
      { event: 'update', schema: 'public', table: 'todos', filter: 'b=gt.0,a=in.(2,1)', id: 2 },
      { event: 'INSERT', schema: 'public', table: 'todos', filter: 'id=eq.1', id: 1 },
    ];
    expect(matchBindings([todos, multi], reply, 'realtime:t')).toEqual([1, 2]);
  });

  it('treats absent, null and missing table/filter alike', () => {
    expect(matchBindings([all], [{ event: '*', schema: 'public', table: 'todos', filter: null, id: 5 }], 'realtime:t')).toEqual([5]);
    expect(matchBindings([all], [{ event: '*', schema: 'public', table: 'todos', filter: '', id: 5 }], 'realtime:t')).toEqual([5]);
  });

  it('names the binding and the differing field when the server did not confirm it', () => {
    const result = matchBindings([all, todos], [{ ...all, id: 1 }, { ...todos, filter: 'id=eq.2', id: 2 }], 'realtime:t');
    expect(isLivebindError(result)).toBe(true);
    expect(result).toMatchObject({ code: 'BINDING_MISMATCH' });
    expect((result as Error).message).toContain('#1 (INSERT on public.todos where id=eq.1)');
    expect((result as Error).message).toContain('differs in filter');
  });

  it('fails when the reply lacks an entry or an integer id', () => {
    expect(matchBindings([all], [], 'realtime:t')).toMatchObject({ code: 'BINDING_MISMATCH', message: expect.stringContaining('no entry') });
    expect(matchBindings([all], [{ ...all, id: 'x' }], 'realtime:t')).toMatchObject({ message: expect.stringContaining('differs in id') });
    expect(matchBindings([all], undefined, 'realtime:t')).toMatchObject({ code: 'BINDING_MISMATCH' });
  });
});
