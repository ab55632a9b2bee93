export { startDevServer, type DevServer, type DevServerOptions, type DevServerUser } from './devServer.js';
export { PgliteEngine, type PgliteEngineOptions, type StoredUser } from './engine/pgliteEngine.js';
export { DEMO_USERS } from './engine/demoSeed.js';
export type { KalamWsOptions, KalamWsServer, KalamWsStats } from './kalamdb/ws/attachKalamWs.js';
export type { AuthUser, ChangeRecord, Engine, Role, TableInfo, ColumnInfo, WireRow, Cell, Tombstone, ReadRowsQuery } from './engine/types.js';
export { EngineAuthError } from './engine/types.js';
export type { CorsOrigins } from './http/cors.js';
