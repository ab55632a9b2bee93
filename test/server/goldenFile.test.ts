import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { checkGolden } from './goldenFile.js';

let dir: string;
let url: URL;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'golden-'));
  url = pathToFileURL(`${dir}/`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a missing golden fails and is not written', () => {
  const r = checkGolden(url, 'x', '{}\n', false);
  expect(r).toMatchObject({ status: 'missing', message: expect.stringContaining('UPDATE_GOLDEN=1') });
  expect(existsSync(join(dir, 'x.json'))).toBe(false);
});

it('with update set, a missing golden is written', () => {
  expect(checkGolden(url, 'x', '{}\n', true)).toEqual({ status: 'written' });
  expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('{}\n');
  expect(checkGolden(url, 'x', '{}\n', false)).toEqual({ status: 'match' });
});

it('a differing golden is a mismatch and is left alone', () => {
  writeFileSync(join(dir, 'x.json'), '{"a":1}\n');
  expect(checkGolden(url, 'x', '{"a":2}\n', false)).toMatchObject({ status: 'mismatch', expected: '{"a":1}\n' });
  expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('{"a":1}\n');
});
