/**
 * Bundle budget (issue: browser apps install only the client). Each entry is bundled and minified
 * for the browser with esbuild, rxjs and react external (as an app's bundler would), then gzipped
 * at level 9. The figures are printed on every `npm test`; the KalamDB entry has a ceiling so a
 * change that grows it fails here, and the channel core must stay out of protocols without channels.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Measured {
  readonly gzip: number;
  readonly minified: number;
  readonly inputs: readonly string[];
}

async function measure(source: string): Promise<Measured> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['rxjs', 'rxjs/*', 'react', 'react-dom', 'react/jsx-runtime', 'ws', 'node:zlib'],
  });
  const code = result.outputFiles[0]!.contents;
  return { gzip: gzipSync(code, { level: 9 }).length, minified: code.length, inputs: Object.keys(result.metafile.inputs) };
}

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

/** The budget for createClient (KalamDB) + useLiveQuery + LiveProvider. Target: 16 KB (see README "Bundle size"). */
const KALAMDB_REACT_CEILING = 24_200;

describe('bundle size (esbuild, minified, gzip -9; rxjs and react external)', () => {
  it('createClient (KalamDB) + useLiveQuery + LiveProvider stays under its ceiling and bundles no channel code', async () => {
    const m = await measure(`export { createClient } from './src/client.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`);
    console.log(`bundle: createClient (KalamDB) + useLiveQuery + LiveProvider = ${kb(m.gzip)} gzip (${kb(m.minified)} minified)`);
    expect(m.inputs.filter((i) => i.startsWith('src/channel/'))).toEqual([]);
    expect(m.inputs.filter((i) => i.startsWith('src/protocol/supabase/') || i.includes('checkLiveSql'))).toEqual([]);
    expect(m.gzip).toBeLessThanOrEqual(KALAMDB_REACT_CEILING);
  }, 30_000);

  it('the Supabase client + channel hooks, and the protocol-free core, are measured and bundle no KalamDB code', async () => {
    const supa = await measure(
      `export { createDriverClient } from './src/createDriverClient.ts'; export { supabaseDriver } from './src/supabase.ts';` +
        ` export { useLiveQuery, LiveProvider, usePresence, useTrack, useBroadcast, useSend, useChannelState } from './react/index.ts';`,
    );
    const core = await measure(`export { createDriverClient } from './src/createDriverClient.ts';`);
    console.log(`bundle: createDriverClient + supabaseDriver + React hooks (rows and channels) = ${kb(supa.gzip)} gzip (${kb(supa.minified)} minified)`);
    console.log(`bundle: createDriverClient alone (no protocol) = ${kb(core.gzip)} gzip`);
    expect(supa.inputs.filter((i) => i.startsWith('src/protocol/kalamdb/'))).toEqual([]);
    expect(core.inputs.filter((i) => /^src\/protocol\/(kalamdb|supabase)\//.test(i) || i.startsWith('src/channel/'))).toEqual([]);
  }, 30_000);
});
