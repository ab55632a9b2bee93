import type { TableDef } from './ddlParser.js';
import type { ColumnInfo, TableInfo } from './types.js';
import { TopicRegistry } from '../topics/TopicRegistry.js';

/** In-memory view of livebind.tables, keyed by `namespace.name`. */
export class Catalog {
  private readonly tables = new Map<string, TableInfo>();
  /** Topics and their sources (server/topics). */
  readonly topics = new TopicRegistry();

  get(namespace: string, name: string): TableInfo | undefined {
    return this.tables.get(`${namespace}.${name}`) ?? this.tables.get(`${namespace}.${name}`.toLowerCase());
  }

  byQualifiedName(qualified: string): TableInfo | undefined {
    return this.tables.get(qualified);
  }

  set(info: TableInfo): void {
    this.tables.set(info.qualifiedName, info);
  }

  delete(qualified: string): void {
    this.tables.delete(qualified);
  }

  deleteNamespace(namespace: string): void {
    for (const [key, info] of this.tables) if (info.namespace === namespace) this.tables.delete(key);
  }

  inNamespace(namespace: string): TableInfo[] {
    return [...this.tables.values()].filter((t) => t.namespace === namespace);
  }

  all(): TableInfo[] {
    return [...this.tables.values()];
  }
}

export const SEQ_COLUMN: ColumnInfo = { name: '_seq', dataType: 'BigInt', pgType: 'int8', flags: ['nn'], system: true };
export const DELETED_COLUMN: ColumnInfo = { name: '_deleted', dataType: 'Boolean', pgType: 'bool', flags: ['nn'], system: true };
export const OWNER_COLUMN = '_livebind_owner';

export function tableInfoFromDef(def: TableDef): TableInfo {
  const uniqueSingles = new Set(def.uniques.filter((u) => u.length === 1).map((u) => u[0]!));
  const columns: ColumnInfo[] = def.columns.map((c) => {
    const flags: ('pk' | 'nn' | 'uq')[] = [];
    if (c.primaryKey) flags.push('pk');
    if (c.notNull || c.primaryKey) flags.push('nn');
    if (c.unique || uniqueSingles.has(c.name)) flags.push('uq');
    return { name: c.name, dataType: c.type.dataType, pgType: c.type.pgType, flags, system: false };
  });
  return {
    namespace: def.namespace,
    name: def.name,
    qualifiedName: `${def.namespace}.${def.name}`,
    type: def.type,
    accessLevel: def.accessLevel,
    columns: [...columns, SEQ_COLUMN, DELETED_COLUMN],
    primaryKey: def.primaryKey,
  };
}
