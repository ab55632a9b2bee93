/**
 * `livebind/kalamdb`: the KalamDB driver on its own, for `createClient({ driver: kalamdbDriver({ url }), auth })`
 * (or `createDriverClient`, which bundles no other protocol).
 */
export { kalamdbDriver, kalamWsUrl } from './protocol/kalamdb/kalamdbDriver.js';
export type { KalamDriverOptions, LiveSqlCheck } from './protocol/kalamdb/kalamdbDriver.js';
export { checkLiveSql } from './sql/checkLiveSql.js';
export type { BinaryDecoder } from './protocol/kalamdb/gunzip.js';
export type { FetchLike } from './protocol/fetch.js';
/** `{ user, password }` auth, opt-in: `createClient({ url, auth: { user, password }, login: kalamdbLogin })` (docs/SPEC.md §1.1). */
export { kalamdbLogin } from './protocol/kalamdb/login.js';
export type { KalamLogin } from './protocol/kalamdb/login.js';
/** SQL over HTTP, opt-in: `createClient({ url, auth, sql: kalamdbSql })` enables `client.query` and `client.execute` (docs/SPEC.md §4). */
export { kalamdbSql } from './protocol/kalamdb/http.js';
export type { KalamQuery, KalamSql } from './protocol/kalamdb/http.js';
/** Topic consumers, opt-in: `createClient({ url, auth, topics: kalamdbTopics })` (docs/SPEC.md §9). */
export { kalamdbTopics } from './protocol/kalamdb/topics.js';
export type { KalamTopics } from './protocol/kalamdb/topics.js';
/** FILE uploads, opt-in: `createClient({ url, auth, files: kalamdbFiles })` enables `client.queryWithFiles` (docs/SPEC.md §10). */
export { kalamdbFiles } from './protocol/kalamdb/fileUploads.js';
export type { KalamFiles } from './protocol/kalamdb/fileUploads.js';
/** FILE columns: FileRef parsing and download URLs (plain functions, no option needed). */
export { fileDownloadUrl, parseFileRef, storedFileName } from './protocol/kalamdb/files.js';
export type { FileRef } from './protocol/kalamdb/files.js';
