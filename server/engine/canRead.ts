import type { AuthUser, TableInfo } from './types.js';

/** Whether `user` may read `table` at all (USER tables: their own rows only, enforced by RLS). */
export function canRead(user: AuthUser, table: TableInfo): boolean {
  if (user.role === 'anonymous') return false;
  if (table.type === 'user') return true;
  return table.accessLevel === 'public' || user.role === 'dba' || user.role === 'system' || user.role === 'service';
}
