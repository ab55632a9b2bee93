// The protocol seam (docs/SPEC.md §7): the neutral core never imports a protocol folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NEUTRAL = ['src/live', 'src/connection', 'src/store', 'src/channel'];
/** An import or export `from '…/protocol/<name>/…'` (static or dynamic), at any depth. */
const PROTOCOL_IMPORT = /(?:from\s*|import\s*\(\s*)['"]((?:\.\.?\/)+(?:[\w.-]+\/)*protocol\/[a-z][\w-]*\/[^'"]*)['"]/g;

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // a folder that does not exist yet (src/channel) has nothing to check
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js)$/.test(name) ? [path] : [];
  });
}

/** Protocol-folder imports of each file, as `file: specifier`. */
function protocolImports(files: readonly { path: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    for (const match of text.matchAll(PROTOCOL_IMPORT)) found.push(`${path}: ${match[1]}`);
  }
  return found;
}

describe('neutral core', () => {
  test('no file in src/live, src/connection, src/store or src/channel imports from src/protocol/<name>/', () => {
    const files = NEUTRAL.flatMap((dir) => sourceFiles(join(root, dir))).map((path) => ({
      path: relative(root, path),
      text: readFileSync(path, 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(10);
    expect(protocolImports(files)).toEqual([]);
  });

  test('the check catches protocol imports and leaves the seam alone', () => {
    const found = protocolImports([
      { path: 'a.ts', text: "import { seqOf } from '../protocol/kalamdb/codec.js';" },
      { path: 'b.ts', text: "import type { X } from '../../protocol/supabase/seam.js';\nexport { y } from \"../protocol/kalamdb/x.js\";" },
      { path: 'c.ts', text: "const m = await import('../protocol/kalamdb/gunzip.js');" },
      { path: 'd.ts', text: "import type { Driver } from '../protocol/driver.js';\nimport { x } from '../protocolish/kalamdb/y.js';" },
    ]);
    expect(found).toEqual([
      'a.ts: ../protocol/kalamdb/codec.js',
      'b.ts: ../../protocol/supabase/seam.js',
      'b.ts: ../protocol/kalamdb/x.js',
      'c.ts: ../protocol/kalamdb/gunzip.js',
    ]);
  });
});
