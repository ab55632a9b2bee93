/**
 * The multipart/form-data body of a FILE upload (K§4.3) as a list of segments whose exact byte
 * size is known before the first byte is sent: framing text, Blobs, byte arrays and sized streams.
 * Parts: `sql`, optional `params` (JSON array text) and `namespace_id`, one `file:<name>` per file.
 */
import { UsageError } from '../../../errors.js';
import type { SqlParam, UploadFile, UploadStream } from '../../../types.js';
import { wireParams } from '../http.js';

/** A stream part: read once, `size` bytes exactly. */
export interface SizedStream {
  readonly stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  readonly size: number;
  /** The placeholder name (for error messages). */
  readonly name: string;
}

export type Segment = Uint8Array | Blob | SizedStream;

export interface MultipartBody {
  readonly contentType: string;
  readonly segments: readonly Segment[];
  /** Exact body size in bytes. */
  readonly size: number;
  /** No stream parts: the body can be sent again (a retry after TOKEN_EXPIRED). */
  readonly replayable: boolean;
}

const encoder = new TextEncoder();

export function multipartBody(
  sql: string,
  files: Readonly<Record<string, UploadFile>>,
  params: readonly SqlParam[] | undefined,
  namespace: string | undefined,
  boundary: string = randomBoundary(),
): MultipartBody {
  if (typeof files !== 'object' || files === null) throw new UsageError('queryWithFiles takes the files as an object: { name: fileOrBuffer }.', { code: 'INVALID_FILE' });
  const segments: Segment[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') segments.push(encoder.encode(text));
    text = '';
  };
  const field = (name: string, value: string): void => {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"\r\n\r\n${value}\r\n`;
  };
  field('sql', sql);
  if (params !== undefined && params.length > 0) field('params', wireParams(params));
  if (namespace !== undefined) field('namespace_id', namespace);
  let replayable = true;
  for (const [name, file] of Object.entries(files)) {
    const f = describe(name, file);
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(`file:${name}`)}"; filename="${escapeQuoted(f.filename)}"\r\nContent-Type: ${f.type}\r\n\r\n`;
    flush();
    if (isStream(f.body)) replayable = false;
    if (sizeOf(f.body) > 0) segments.push(f.body);
    text += '\r\n';
  }
  text += `--${boundary}--\r\n`;
  flush();
  return { contentType: `multipart/form-data; boundary=${boundary}`, segments, size: segments.reduce((n, s) => n + sizeOf(s), 0), replayable };
}

export function sizeOf(segment: Segment): number {
  return segment instanceof Uint8Array ? segment.byteLength : isStream(segment) ? segment.size : segment.size;
}

export function isStream(segment: Segment): segment is SizedStream {
  return !(segment instanceof Uint8Array) && 'stream' in segment && typeof segment.stream === 'object';
}

function describe(name: string, file: UploadFile): { body: Segment; filename: string; type: string } {
  const bad = (why: string): UsageError => new UsageError(`File "${name.slice(0, 80)}": ${why}`, { code: 'INVALID_FILE' });
  if (isBlob(file)) return { body: file, filename: fileName(file) ?? name, type: mime(file.type, name) };
  if (file instanceof Uint8Array) return { body: file, filename: name, type: 'application/octet-stream' };
  if (typeof file !== 'object' || file === null) throw bad('expected a Blob/File, a Uint8Array/Buffer, { data, filename?, type? } or { stream, size, filename?, type? }.');
  if ('stream' in file) {
    const s = file as UploadStream;
    if (!Number.isSafeInteger(s.size) || s.size < 0) throw bad('a stream needs its exact byte count as `size` (e.g. from fs.stat).');
    const readable = typeof s.stream === 'object' && s.stream !== null && (typeof (s.stream as ReadableStream).getReader === 'function' || Symbol.asyncIterator in s.stream);
    if (!readable) throw bad('`stream` must be a ReadableStream or an async iterable of bytes (a Node Readable).');
    return { body: { stream: s.stream, size: s.size, name }, filename: s.filename ?? name, type: mime(s.type, name) };
  }
  const { data, filename, type } = file as { data: unknown; filename?: string; type?: string };
  if (!isBlob(data) && !(data instanceof Uint8Array)) throw bad('`data` must be a Blob/File or a Uint8Array/Buffer.');
  return { body: data, filename: filename ?? (isBlob(data) ? fileName(data) : undefined) ?? name, type: mime(type ?? (isBlob(data) ? data.type : undefined), name) };
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function fileName(blob: Blob): string | undefined {
  return typeof File !== 'undefined' && blob instanceof File && blob.name !== '' ? blob.name : undefined;
}

function mime(type: string | undefined, name: string): string {
  if (type === undefined || type === '') return 'application/octet-stream';
  if (/[\r\n]/.test(type)) throw new UsageError(`File "${name.slice(0, 80)}": the MIME type must not contain line breaks.`, { code: 'INVALID_FILE' });
  return type;
}

/** As browsers encode FormData names and filenames (HTML: `"` → %22, CR → %0D, LF → %0A). */
function escapeQuoted(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function randomBoundary(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `----livebind${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
