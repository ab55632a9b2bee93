/**
 * FileRefs (K§4.3, §4.6): the JSON a FILE column holds after `queryWithFiles`, and its download URL
 * `GET /v1/files/{namespace}/{table}/{sub}/{stored name}[?user_id=]`. The request needs the
 * client's Bearer token (fetch it with `Authorization`; a plain `<img src>` cannot send one).
 */
import { UsageError } from '../../errors.js';

export interface FileRef {
  readonly id: string;
  readonly sub: string;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  readonly sha256: string;
  readonly shard?: number;
}

/** A FILE cell (FileRef JSON text, or the parsed object) as a FileRef. */
export function parseFileRef(cell: unknown): FileRef {
  const v = typeof cell === 'string' ? safeParse(cell) : cell;
  if (typeof v !== 'object' || v === null || typeof (v as FileRef).id !== 'string' || typeof (v as FileRef).sub !== 'string' || typeof (v as FileRef).name !== 'string') {
    throw new UsageError('Not a FileRef: expected the JSON of a FILE column ({"id","sub","name",...}).', { code: 'INVALID_FILE_REF' });
  }
  return v as FileRef;
}

/** The stored name: `<id>-<sanitized name>.<ext>`, or `<id>.<ext>` when no name character survives. */
export function storedFileName(ref: Pick<FileRef, 'id' | 'name'>): string {
  const dot = ref.name.lastIndexOf('.');
  const stem = (dot > 0 ? ref.name.slice(0, dot) : ref.name).replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  const ext = (dot > 0 ? ref.name.slice(dot + 1) : '').toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16) || 'bin';
  return stem === '' ? `${ref.id}.${ext}` : `${ref.id}-${stem}.${ext}`;
}

/**
 * Download URL of a file in `table` (`namespace.table`). `userId`: the owner of a USER-table row,
 * for service/dba/system readers of another user's file.
 */
export function fileDownloadUrl(baseUrl: string, table: string, fileRef: FileRef | string, userId?: string): string {
  const ref = parseFileRef(fileRef);
  const [ns, name] = table.split('.');
  if (!ns || !name) throw new UsageError(`fileDownloadUrl needs the table as "namespace.table"; got "${table}".`, { code: 'INVALID_OPTION' });
  const path = [ns, name, ref.sub, storedFileName(ref)].map(encodeURIComponent).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/v1/files/${path}${userId === undefined ? '' : `?user_id=${encodeURIComponent(userId)}`}`;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
