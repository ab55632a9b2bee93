/**
 * `npx tsx scripts/bundleReport.ts [module text]`: the budgeted browser bundle (createClient (KalamDB) +
 * useLiveQuery + LiveProvider, as test/architecture/bundleSize.test.ts measures it) with its gzip and
 * minified totals and each input file's minified bytes, largest first. For finding where bytes go.
 */
import { APP_EXTERNALS, browserBundle } from './browserBundle.js';

process.stdout.on('error', () => {}); // e.g. piped into `head`

const source = process.argv[2] ?? `export { createClient } from './src/client.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`;

const size = await browserBundle(source, { external: APP_EXTERNALS });
console.log(`gzip ${size.gzip} B, minified ${size.minified} B`);
const rows = Object.entries(size.bytesByInput).sort((a, b) => b[1] - a[1]);
for (const [file, bytes] of rows) if (bytes > 0) console.log(`${String(bytes).padStart(7)}  ${file}`);
