/**
 * Gzip size of each framework binding (not a test):   npx tsx bench/adapter-size.ts
 *
 * esbuild, minified ESM for the browser, gzip -9; the framework, rxjs and react are external (the
 * app has them anyway). Two figures per binding: the binding alone (the livebind core external
 * too: what the subpath adds over `livebind`), and the binding with the core code it pulls in
 * (observers, errors; no client, no protocol). `.svelte.ts` modules go through Svelte's compiler
 * first, as an app's vite-plugin-svelte would.
 */
import { transform, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { compileModule } from 'svelte/compiler';
import { browserBundle } from '../scripts/browserBundle.js';

const FRAMEWORKS = ['react', 'react-dom', 'react/jsx-runtime', 'vue', 'svelte', 'svelte/*', 'solid-js', 'solid-js/*', '@tanstack/query-core', '@tanstack/react-query', 'rxjs', 'rxjs/*'];

const svelteModules: Plugin = {
  name: 'svelte-modules',
  setup(b) {
    b.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
      const ts = await transform(await readFile(args.path, 'utf8'), { loader: 'ts', format: 'esm' });
      return { contents: compileModule(ts.code, { filename: args.path, generate: 'client' }).js.code, loader: 'js', resolveDir: args.path.replace(/\/[^/]+$/, '') };
    });
  },
};

/** Marks the livebind core (src/) external when `coreExternal`. */
const core = (coreExternal: boolean): Plugin => ({
  name: 'core',
  setup(b) {
    if (coreExternal) b.onResolve({ filter: /\/src\/index\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
});

async function gzip(entry: string, coreExternal: boolean): Promise<number> {
  return (await browserBundle({ entry }, { external: FRAMEWORKS, plugins: [svelteModules, core(coreExternal)] })).gzip;
}

const entries = [
  ['livebind/react', 'react/index.ts'],
  ['livebind/tanstack-query', 'adapters/tanstack-query/index.ts'],
  ['livebind/vue', 'adapters/vue/index.ts'],
  ['livebind/svelte', 'adapters/svelte/index.ts'],
  ['livebind/solid', 'adapters/solid/index.ts'],
] as const;

console.log('| binding | alone (core external), gzip | with the core it pulls in, gzip |');
console.log('|---|---|---|');
for (const [name, entry] of entries) {
  // react/ imports the core by file (../src/...), not through src/index.js: measured with it.
  const alone = name === 'livebind/react' ? undefined : await gzip(entry, true);
  const withCore = await gzip(entry, false);
  console.log(`| ${name} | ${alone === undefined ? 'n/a (imports core files directly)' : `${alone} B`} | ${withCore} B |`);
}
