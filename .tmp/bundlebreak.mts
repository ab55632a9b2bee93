import { build } from 'esbuild';
const EXTERNAL = ['rxjs', 'rxjs/*', 'react', 'react-dom', 'react/jsx-runtime', 'ws', 'node:zlib'];
const r = await build({ stdin: { contents: process.argv[2] ?? `export { createClient } from './src/client.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, external: EXTERNAL });
const out = Object.values(r.metafile.outputs)[0]!;
const rows = Object.entries(out.inputs).map(([k, v]) => [k, v.bytesInOutput] as const).sort((a, b) => b[1] - a[1]);
let t = 0; for (const [k, b] of rows) { t += b; console.log(String(b).padStart(7), k); }
console.log('total minified', t);
