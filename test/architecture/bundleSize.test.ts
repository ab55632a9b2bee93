/**
 * Bundle budget (issue: browser apps install only the client). Each entry is bundled and minified
 * for the browser with esbuild, rxjs and react external (as an app's bundler would), then gzipped
 * at level 9. The figures are printed on every `npm test`; the KalamDB entry has a ceiling so a
 * change that grows it fails here, and the channel core must stay out of protocols without channels.
 */
import { describe, expect, it } from 'vitest';
import { APP_EXTERNALS, browserBundle } from '../../scripts/browserBundle.js';

const measure = (source: string) => browserBundle(source, { external: APP_EXTERNALS });

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

/** The budget for createClient (KalamDB) + useLiveQuery + LiveProvider (issue 9): 16 KB. bench/REPORT.md "Bundle budget" has the history. */
const KALAMDB_REACT_CEILING = 16_000;

describe('bundle size (esbuild, minified, gzip -9; rxjs and react external)', () => {
  it('createClient (KalamDB) + useLiveQuery + LiveProvider stays under its ceiling and bundles no channel code', async () => {
    const m = await measure(`export { createClient } from './src/client.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`);
    console.log(`bundle: createClient (KalamDB) + useLiveQuery + LiveProvider = ${kb(m.gzip)} gzip (${kb(m.minified)} minified)`);
    expect(m.inputs.filter((i) => i.startsWith('src/channel/'))).toEqual([]);
    expect(m.inputs.filter((i) => i.startsWith('src/protocol/supabase/') || i.includes('checkLiveSql'))).toEqual([]);
    // FILE uploads are opt-in (`files: kalamdbFiles`): no multipart writer, XHR or streaming code by default.
    expect(m.inputs.filter((i) => i.startsWith('src/protocol/kalamdb/upload/') || /fileUploads|kalamdb\/files|kalamdb\/topics/.test(i))).toEqual([]);
    // Password login and HTTP SQL are opt-in (`login: kalamdbLogin`, `sql: kalamdbSql`): no login/refresh state machine, no SQL client.
    expect(m.inputs.filter((i) => /^src\/protocol\/kalamdb\/(http|login)\.ts$|^src\/connection\/passwordLogin\.ts$/.test(i))).toEqual([]);
    expect(m.gzip).toBeLessThanOrEqual(KALAMDB_REACT_CEILING);
  }, 30_000);

  it('the full KalamDB app is measured: createClient + kalamdbLogin + kalamdbSql + useLiveQuery + LiveProvider', async () => {
    const m = await measure(
      `export { createClient } from './src/client.ts'; export { kalamdbLogin, kalamdbSql } from './src/kalamdb.ts'; export { useLiveQuery, LiveProvider } from './react/index.ts';`,
    );
    console.log(`bundle: createClient + kalamdbLogin + kalamdbSql + useLiveQuery + LiveProvider = ${kb(m.gzip)} gzip (${kb(m.minified)} minified)`);
    expect(m.inputs).toEqual(expect.arrayContaining(['src/protocol/kalamdb/http.ts', 'src/protocol/kalamdb/login.ts', 'src/connection/passwordLogin.ts']));
  }, 30_000);

  it('the opt-in KalamDB extras are measured: FILE uploads (kalamdbFiles) and topic consumers (kalamdbTopics)', async () => {
    const base = await measure(`export { createClient } from './src/client.ts';`);
    const files = await measure(`export { createClient } from './src/client.ts'; export { kalamdbFiles } from './src/kalamdb.ts';`);
    const topics = await measure(`export { createClient } from './src/client.ts'; export { kalamdbTopics } from './src/kalamdb.ts';`);
    console.log(`bundle: createClient (KalamDB) = ${kb(base.gzip)} gzip; + kalamdbFiles = ${kb(files.gzip)} (+${kb(files.gzip - base.gzip)}); + kalamdbTopics = ${kb(topics.gzip)} (+${kb(topics.gzip - base.gzip)})`);
    expect(files.inputs).toContain('src/protocol/kalamdb/upload/sendWithXhr.ts');
    expect(files.gzip).toBeGreaterThan(base.gzip);
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
