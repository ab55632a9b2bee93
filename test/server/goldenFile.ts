/**
 * Golden-file check used by wsGolden.int.test.ts. A missing golden is a failure, never written
 * silently; files are (re)written only when `update` is set (UPDATE_GOLDEN=1).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type GoldenResult =
  | { readonly status: 'match' | 'written' }
  | { readonly status: 'missing'; readonly message: string }
  | { readonly status: 'mismatch'; readonly expected: string; readonly message: string };

export function checkGolden(dir: URL, name: string, actual: string, update: boolean): GoldenResult {
  const file = new URL(`${name}.json`, dir);
  if (update) {
    writeFileSync(file, actual);
    return { status: 'written' };
  }
  if (!existsSync(file)) {
    return { status: 'missing', message: `golden ${name}: ${fileURLToPath(file)} is missing; run with UPDATE_GOLDEN=1 to create it, then review and commit it` };
  }
  const expected = readFileSync(file, 'utf8');
  if (expected === actual) return { status: 'match' };
  return { status: 'mismatch', expected, message: `golden ${name} differs from ${fileURLToPath(file)} (UPDATE_GOLDEN=1 rewrites it after an intended wire change)` };
}

/** UPDATE_GOLDEN=1 (exactly) turns on rewriting. */
export const updateGolden = (): boolean => process.env['UPDATE_GOLDEN'] === '1';
