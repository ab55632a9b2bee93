import { describe, expect, it } from 'vitest';
import { canonicalFilter } from '../../../src/protocol/supabase/postgresFilter.js';
import { parseRestRows, restHeaders, restReadUrl } from '../../../src/protocol/supabase/restRead.js';

describe('PostgREST read URL', () => {
  it('encodes select, filters, order, limit and offset', () => {
    const url = restReadUrl({
      url: 'http://127.0.0.1:5000/',
      schema: 'public',
      table: 'todos',
      filter: canonicalFilter([
        { column: 'id', op: 'in', value: [1, 2] },
        { column: 'title', op: 'eq', value: 'a b&c' },
      ]),
      order: [{ column: 'id', direction: 'asc' }],
      limit: 100,
      offset: 200,
    });
    expect(url).toBe('http://127.0.0.1:5000/rest/v1/todos?select=*&id=in.(1%2C2)&title=eq.a%20b%26c&order=id.asc&limit=100&offset=200');
    const parsed = new URL(url);
    expect(parsed.searchParams.get('id')).toBe('in.(1,2)');
    expect(parsed.searchParams.get('title')).toBe('eq.a b&c');
  });

  it('sends the apikey, the bearer token and the schema profile', () => {
    expect(restHeaders('key', 'jwt', 'app')).toEqual({ apikey: 'key', Authorization: 'Bearer jwt', Accept: 'application/json', 'Accept-Profile': 'app' });
    expect(restHeaders('key', undefined, 'public')).toEqual({ apikey: 'key', Authorization: 'Bearer key', Accept: 'application/json' });
  });
});

describe('PostgREST response', () => {
  it('returns the rows of a 200', () => {
    expect(parseRestRows(200, '[{"id":1}]', 'todos')).toEqual([{ id: 1 }]);
  });

  it('turns errors into typed values', () => {
    expect(parseRestRows(401, '{"code":"PGRST301","message":"JWT expired"}', 'todos')).toMatchObject({ kind: 'auth', code: 'PGRST301', status: 401 });
    expect(parseRestRows(404, '{"code":"42P01","message":"relation does not exist"}', 'todos')).toMatchObject({ kind: 'query', code: '42P01', status: 404 });
    expect(parseRestRows(500, 'oops', 'todos')).toMatchObject({ kind: 'query', code: 'HTTP_500' });
    expect(parseRestRows(200, 'oops', 'todos')).toMatchObject({ kind: 'protocol', code: 'MALFORMED_RESPONSE' });
    expect(parseRestRows(200, '{"id":1}', 'todos')).toMatchObject({ kind: 'protocol', code: 'MALFORMED_RESPONSE' });
  });
});
