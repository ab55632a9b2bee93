/**
 * How livebind measures what an app ships: esbuild bundles an entry as minified ESM for the
 * browser (the externals stay out, as an app's bundler would share them), then gzip -9.
 * Used by the bundle-size check in `npm test` (test/architecture/bundleSize.test.ts) and the size
 * benchmarks (bench/adapter-size.ts).
 */
import { build, type BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** What an app's bundler shares with other packages: rxjs and React (and Node-only imports a browser never loads). */
export const APP_EXTERNALS = ['rxjs', 'rxjs/*', 'react', 'react-dom', 'react/jsx-runtime', 'ws', 'node:zlib'] as const;

export interface BundleSize {
  readonly gzip: number;
  readonly minified: number;
  /** Input files (repo-relative) that ended up in the bundle. */
  readonly inputs: readonly string[];
  /** Minified bytes each input contributes to the output. */
  readonly bytesByInput: Readonly<Record<string, number>>;
}

/** `source`: module text (resolved from the repo root) or `{ entry }`: a repo-relative file. */
export async function browserBundle(
  source: string | { readonly entry: string },
  options: { readonly external: readonly string[]; readonly plugins?: BuildOptions['plugins'] },
): Promise<BundleSize> {
  const result = await build({
    ...(typeof source === 'string' ? { stdin: { contents: source, resolveDir: repoRoot, loader: 'ts' as const } } : { entryPoints: [source.entry], absWorkingDir: repoRoot }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: [...options.external],
    plugins: options.plugins ?? [],
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values(result.metafile.outputs)[0]!;
  const bytesByInput = Object.fromEntries(Object.entries(output.inputs).map(([file, { bytesInOutput }]) => [file, bytesInOutput]));
  return { gzip: gzipSync(code, { level: 9 }).length, minified: code.length, inputs: Object.keys(result.metafile.inputs), bytesByInput };
}
