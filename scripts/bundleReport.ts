/**
 * `npx tsx scripts/bundleReport.ts [module text]`: the budgeted browser bundle (createClient (KalamDB) +
 * useLiveQuery + LiveProvider, as test/architecture/bundleSize.test.ts measures it) with its gzip and
 * minified totals and each input file's minified bytes, largest first. For finding where bytes go.
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './browserBundle.js';

process.stdout.on('error', () => {}); // e.g. piped into `head`

const EXTERNAL = ['rxjs', 'rxjs/*', 'react', 'react-dom', 'react/jsx-runtime', 'ws', 'node:zlib'];
const source = process.argv[2] ?? `export { createClient } from './src/client.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`;

const result = await build({
  stdin: { contents: source, resolveDir: repoRoot, loader: 'ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  metafile: true,
  logLevel: 'silent',
  external: EXTERNAL,
});
const code = result.outputFiles[0]!.contents;
console.log(`gzip ${gzipSync(code, { level: 9 }).length} B, minified ${code.length} B`);
const output = Object.values(result.metafile.outputs)[0]!;
const rows = Object.entries(output.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
for (const [file, { bytesInOutput }] of rows) if (bytesInOutput > 0) console.log(`${String(bytesInOutput).padStart(7)}  ${file}`);
