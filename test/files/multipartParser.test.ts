// The dev server's streaming multipart reader: the same parts however the body is cut into chunks,
// limits enforced on the bytes seen so far (a part over its limit fails before the rest arrives),
// malformed bodies refused. The bodies come from the client's own multipart writer.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MultipartError, MultipartLimitError, MultipartParser, type MultipartLimits, type Part } from '../../server/files/multipart.js';
import { multipartBody } from '../../src/protocol/kalamdb/upload/multipartBody.js';

const BOUNDARY = '----livebindTEST0123456789';
const LIMITS: MultipartLimits = { maxBodyBytes: 1 << 20, maxFileBytes: 64 * 1024, maxFieldBytes: 16 * 1024, maxFiles: 4, maxParts: 8 };

async function bodyOf(files: Record<string, Uint8Array | Blob>, sql = 'INSERT INTO app.t (id, f) VALUES ($1, FILE("a"))'): Promise<Buffer> {
  const body = multipartBody(sql, files, [1, 'x'], 'app', BOUNDARY);
  const bytes = Buffer.from(await new Blob(body.segments as BlobPart[]).arrayBuffer());
  expect(bytes.length).toBe(body.size);
  return bytes;
}

function parse(body: Buffer, cuts: readonly number[], limits: MultipartLimits = LIMITS): Part[] {
  const parser = new MultipartParser(BOUNDARY, limits);
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.write(body.subarray(at, cut));
    at = cut;
  }
  parser.write(body.subarray(at));
  return parser.end();
}

const summary = (parts: readonly Part[]) => parts.map((p) => ({ name: p.name, filename: p.filename, type: p.contentType, data: p.data.toString('base64') }));

describe('MultipartParser', () => {
  test('reads the client body: fields, files with names and types, empty and binary files', async () => {
    const binary = new Uint8Array(5000).map((_, i) => (i * 31) % 256);
    // A file that contains the boundary text without its leading CRLF, and CR/LF bytes.
    const tricky = new TextEncoder().encode(`--${BOUNDARY}\r\n\r\n--${BOUNDARY.slice(0, 10)}`);
    const body = await bodyOf({ a: new File([binary], 'a "quoted".bin', { type: 'image/png' }), b: new Uint8Array(0), c: tricky });
    const parts = parse(body, []);
    expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data.length])).toEqual([
      ['sql', undefined, undefined, 48],
      ['params', undefined, undefined, 7],
      ['namespace_id', undefined, undefined, 3],
      ['file:a', 'a %22quoted%22.bin', 'image/png', 5000],
      ['file:b', 'b', 'application/octet-stream', 0],
      ['file:c', 'c', 'application/octet-stream', tricky.length],
    ]);
    expect(parts[1]!.data.toString()).toBe('[1,"x"]');
    expect(Buffer.compare(parts[3]!.data, Buffer.from(binary))).toBe(0);
    expect(Buffer.compare(parts[5]!.data, Buffer.from(tricky))).toBe(0);
  });

  test('any chunking yields the same parts (property)', async () => {
    const body = await bodyOf({ a: new Uint8Array(3000).fill(13), b: new TextEncoder().encode('\r\n--\r\n') });
    const whole = summary(parse(body, []));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: body.length }), { maxLength: 40 }), (cuts) => {
        expect(summary(parse(body, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
    // One byte at a time.
    expect(summary(parse(body, Array.from({ length: body.length }, (_, i) => i)))).toEqual(whole);
  });

  test('a file over its limit fails as soon as its bytes pass the limit, with the part named', async () => {
    const body = await bodyOf({ a: new Uint8Array(200 * 1024) });
    const parser = new MultipartParser(BOUNDARY, LIMITS);
    let fed = 0;
    let error: unknown;
    for (let i = 0; i < body.length && error === undefined; i += 1024) {
      try {
        parser.write(body.subarray(i, i + 1024));
        fed = i + 1024;
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(MultipartLimitError);
    expect(error).toMatchObject({ limit: 'file', part: 'file:a' });
    expect(fed).toBeLessThan(LIMITS.maxFileBytes + 2048); // not the 200 KiB
  });

  test('fields, file count, part count and body size limits', async () => {
    const limitOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof MultipartLimitError ? e.limit : e instanceof MultipartError ? 'malformed' : e;
      }
      return undefined;
    };
    const longSql = await bodyOf({}, 'x'.repeat(20 * 1024));
    expect(limitOf(() => parse(longSql, []))).toBe('field');
    const five = await bodyOf(Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, new Uint8Array(1)])));
    expect(limitOf(() => parse(five, []))).toBe('files');
    expect(limitOf(() => parse(five, [], { ...LIMITS, maxFiles: 10, maxParts: 5 }))).toBe('parts');
    const big = await bodyOf({ a: new Uint8Array(60 * 1024), b: new Uint8Array(60 * 1024) });
    expect(limitOf(() => parse(big, [], { ...LIMITS, maxBodyBytes: 100 * 1024 }))).toBe('body');
  });

  test('malformed bodies: no boundary, bad delimiter line, headers without a name, truncated', async () => {
    const p = () => new MultipartParser(BOUNDARY, LIMITS);
    expect(() => p().end()).toThrow(MultipartError);
    expect(() => p().write(Buffer.alloc(20 * 1024, 65))).toThrow(/boundary/); // a preamble is bounded too
    expect(() => p().write(Buffer.from(`--${BOUNDARY}XX`))).toThrow(MultipartError);
    expect(() => p().write(Buffer.from(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`))).toThrow(/no name/);
    const body = await bodyOf({ a: new Uint8Array(100) });
    expect(() => parse(body.subarray(0, body.length - 10), [])).toThrow(/Unterminated/);
    const huge = p();
    expect(() => huge.write(Buffer.from(`--${BOUNDARY}\r\n${'X-Pad: y\r\n'.repeat(2000)}`))).toThrow(/headers too large/);
  });
});
