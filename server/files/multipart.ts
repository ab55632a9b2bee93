/**
 * A streaming multipart/form-data reader (RFC 7578): feed it the body chunk by chunk as it arrives
 * (`write`), then `end()`. Limits are enforced on the bytes seen so far, so a part or body over its
 * limit fails at once, having buffered at most one part's limit (never the rest of the body).
 * Pure: no I/O; `readMultipart` drives it from an HTTP request.
 */
import type * as http from 'node:http';

export interface Part {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

export interface MultipartLimits {
  /** The whole body, framing included. */
  readonly maxBodyBytes: number;
  /** A part with a filename (a file). */
  readonly maxFileBytes: number;
  /** A part without a filename (a field). */
  readonly maxFieldBytes: number;
  /** Parts whose name starts with `file:`. */
  readonly maxFiles: number;
  /** All parts. */
  readonly maxParts: number;
}

export type MultipartLimit = 'body' | 'file' | 'field' | 'files' | 'parts';

/** A malformed body (400). */
export class MultipartError extends Error {}

/** A limit was passed: which one, and for `file`/`field` the part's name. */
export class MultipartLimitError extends Error {
  constructor(
    readonly limit: MultipartLimit,
    message: string,
    readonly part?: string,
  ) {
    super(message);
  }
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 16 * 1024;

export function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (b === undefined) throw new MultipartError('multipart/form-data needs a boundary');
  return b;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done';

export class MultipartParser {
  private readonly first: Buffer;
  /** CRLF + delimiter: what ends a part's body. */
  private readonly next: Buffer;
  private state: State = 'preamble';
  private pending: Buffer = Buffer.alloc(0);
  private total = 0;
  private readonly parts: Part[] = [];
  private files = 0;
  private current: { name: string; filename: string | undefined; contentType: string | undefined; chunks: Buffer[]; size: number } | undefined;

  constructor(
    boundary: string,
    private readonly limits: MultipartLimits,
  ) {
    this.first = Buffer.from(`--${boundary}`);
    this.next = Buffer.from(`\r\n--${boundary}`);
  }

  /** One chunk of the body, in order. Throws MultipartError or MultipartLimitError. */
  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.total > this.limits.maxBodyBytes) throw new MultipartLimitError('body', `Request body too large (limit ${this.limits.maxBodyBytes} bytes)`);
    if (this.state === 'done') return; // the epilogue is ignored
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.advance();
  }

  /** The body ended: the parts, or MultipartError when it stopped before the closing delimiter. */
  end(): Part[] {
    if (this.state !== 'done') throw new MultipartError(this.state === 'preamble' ? 'No multipart boundary found in the body' : 'Unterminated multipart body');
    return this.parts;
  }

  private advance(): void {
    for (;;) {
      const buf = this.pending;
      switch (this.state) {
        case 'preamble': {
          const at = buf.indexOf(this.first);
          if (at < 0) {
            if (buf.length > MAX_PREAMBLE_BYTES) throw new MultipartError('No multipart boundary found in the body');
            return;
          }
          this.pending = buf.subarray(at + this.first.length);
          this.state = 'delimiter';
          break;
        }
        case 'delimiter': {
          if (buf.length < 2) return;
          const two = buf.toString('latin1', 0, 2);
          if (two === '--') {
            this.state = 'done';
            this.pending = Buffer.alloc(0);
            return;
          }
          if (two !== '\r\n') throw new MultipartError('Malformed multipart body');
          this.pending = buf.subarray(2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('Multipart part headers too large');
            return;
          }
          if (end > MAX_HEADER_BYTES) throw new MultipartError('Multipart part headers too large');
          this.startPart(buf.toString('utf8', 0, end));
          this.pending = buf.subarray(end + 4);
          this.state = 'body';
          break;
        }
        case 'body': {
          const at = buf.indexOf(this.next);
          if (at < 0) {
            // Keep what could be the start of the delimiter; the rest is part data.
            const keep = Math.min(buf.length, this.next.length - 1);
            this.append(buf.subarray(0, buf.length - keep));
            this.pending = Buffer.from(buf.subarray(buf.length - keep));
            return;
          }
          this.append(buf.subarray(0, at));
          this.finishPart();
          this.pending = buf.subarray(at + this.next.length);
          this.state = 'delimiter';
          break;
        }
        case 'done':
          return;
      }
    }
  }

  private startPart(headers: string): void {
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new MultipartError('A multipart part has no name');
    if (this.parts.length + 1 > this.limits.maxParts) throw new MultipartLimitError('parts', `At most ${this.limits.maxParts} multipart parts`);
    if (name.startsWith('file:') && ++this.files > this.limits.maxFiles) {
      throw new MultipartLimitError('files', `At most ${this.limits.maxFiles} files per request`);
    }
    this.current = {
      name,
      filename: /;\s*filename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /^content-type:\s*([^\r\n]+)$/im.exec(headers)?.[1]?.trim(),
      chunks: [],
      size: 0,
    };
  }

  private append(data: Buffer): void {
    const part = this.current!;
    if (data.length === 0) return;
    part.size += data.length;
    const isFile = part.filename !== undefined;
    const limit = isFile ? this.limits.maxFileBytes : this.limits.maxFieldBytes;
    if (part.size > limit) {
      part.chunks = [];
      throw new MultipartLimitError(isFile ? 'file' : 'field', `Part "${part.name.slice(0, 80)}" is over its limit of ${limit} bytes`, part.name);
    }
    part.chunks.push(data);
  }

  private finishPart(): void {
    const part = this.current!;
    this.parts.push({ name: part.name, filename: part.filename, contentType: part.contentType, data: Buffer.concat(part.chunks, part.size) });
    this.current = undefined;
  }
}

/**
 * Parses a request body as it arrives. A declared Content-Length over the body limit fails before
 * reading; any failure stops buffering at once (the caller answers, then drops the connection).
 */
export function readMultipart(req: http.IncomingMessage, parser: MultipartParser, maxBodyBytes: number): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      reject(new MultipartLimitError('body', `Request body too large (limit ${maxBodyBytes} bytes)`));
      return;
    }
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        parser.write(chunk);
      } catch (e) {
        fail(e);
      }
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(parser.end());
      } catch (e) {
        fail(e);
      }
    });
    req.on('error', (e) => fail(new MultipartError(`Could not read the request body: ${e.message}`)));
  });
}
