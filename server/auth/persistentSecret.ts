/**
 * The JWT secret of a server started with `--data DIR`: kept beside the database in
 * `DIR/.livebind-jwt-secret` (mode 0600), so a restart keeps every client logged in. Created on
 * first start; never logged. In-memory servers keep a random secret per start.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SECRET_FILE = '.livebind-jwt-secret';

export async function persistentSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, SECRET_FILE);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
    throw new Error(`${file} holds no usable secret (under 32 characters); delete it to make a new one (clients then log in again).`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // 'wx': never overwrite a secret another process wrote first.
  const handle = await open(file, 'wx', 0o600).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') return undefined;
    throw e;
  });
  if (handle === undefined) return persistentSecret(dataDir);
  try {
    await handle.writeFile(secret + '\n', 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(file, 0o600);
  return secret;
}
