/**
 * What one committed ChangeRecord means for one subscription (spec §6.4, §7.6, §12.3.1):
 * the filter is evaluated against the old and the new version, so rows moving out of the WHERE
 * become `delete` and rows moving in become `insert` with the full row.
 */
import type { Cell, ChangeRecord, WireRow } from '../../engine/types.js';
import type { ChangeBody } from '../ws/serverMessages.js';
import { matches } from './filterExpr.js';
import type { SubscriptionPlan } from './planSubscription.js';

/** A change for one subscription, before wire shaping; `key` identifies the row (PK values). */
export type RowEvent =
  | { readonly kind: 'insert'; readonly key: string; readonly seq: bigint; readonly row: WireRow }
  | { readonly kind: 'update'; readonly key: string; readonly seq: bigint; readonly row: WireRow; readonly old: WireRow }
  /** `moved`: the row left the filter by an update (no `_deleted` key, §12.3.1). */
  | { readonly kind: 'delete'; readonly key: string; readonly seq: bigint; readonly old: WireRow; readonly moved: boolean };

/** The events a change produces for the plan: none, one, or two when an update changed the primary key. */
export function rowEvents(plan: SubscriptionPlan, change: ChangeRecord): RowEvent[] {
  const oldRow = change.op === 'insert' ? undefined : change.oldRow;
  const newRow = change.op === 'delete' ? undefined : change.newRow;
  const oldIn = oldRow !== undefined && matches(plan.filter, oldRow);
  const newIn = newRow !== undefined && matches(plan.filter, newRow);
  const seq = change.seq;
  if (change.op === 'delete') return oldIn && oldRow ? [{ kind: 'delete', key: rowKey(plan, oldRow), seq, old: oldRow, moved: false }] : [];
  if (change.op === 'insert' || !oldIn) return newIn && newRow ? [{ kind: 'insert', key: rowKey(plan, newRow), seq, row: newRow }] : [];
  if (!oldRow) return [];
  if (!newIn || !newRow) return [{ kind: 'delete', key: rowKey(plan, oldRow), seq, old: oldRow, moved: true }];
  const oldKey = rowKey(plan, oldRow);
  const newKey = rowKey(plan, newRow);
  if (oldKey !== newKey) {
    return [
      { kind: 'delete', key: oldKey, seq, old: oldRow, moved: true },
      { kind: 'insert', key: newKey, seq, row: newRow },
    ];
  }
  return [{ kind: 'update', key: newKey, seq, row: newRow, old: oldRow }];
}

/** The row's identity: its primary-key cells (all projected columns when the table has no PK). */
export function rowKey(plan: SubscriptionPlan, row: WireRow): string {
  const cols = plan.primaryKey.length > 0 ? plan.primaryKey : plan.projection;
  // One key column (the usual case): the same text without building an array.
  if (cols.length === 1) return `[${JSON.stringify(row[cols[0]!.source] ?? null)}]`;
  return JSON.stringify(cols.map((c) => row[c.source] ?? null));
}

/** A stored row → the subscription's output row: projected columns (output names), PK columns, `_seq`. */
export function projectRow(plan: SubscriptionPlan, row: WireRow, seq: string | undefined = undefined): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const p of plan.projection) out[p.name] = row[p.source] ?? null;
  for (const p of plan.primaryKey) if (!(p.name in out)) out[p.name] = row[p.source] ?? null;
  out['_seq'] = seq ?? row['_seq'] ?? null;
  return out;
}

/** Wire body of an event (§6.4); `asInsert` sends an update as an insert with the full row. */
export function changeBody(plan: SubscriptionPlan, ev: RowEvent, asInsert = false): ChangeBody {
  const seqText = ev.seq.toString();
  switch (ev.kind) {
    case 'insert':
      return { changeType: 'insert', row: projectRow(plan, ev.row, seqText) };
    case 'delete': {
      const old = projectRow(plan, ev.old, seqText);
      if (plan.star) {
        if (ev.moved) delete old['_deleted'];
        else old['_deleted'] = true;
      }
      return { changeType: 'delete', old };
    }
    case 'update': {
      if (asInsert) return { changeType: 'insert', row: projectRow(plan, ev.row, seqText) };
      const row: Record<string, Cell> = { _seq: seqText };
      const old: Record<string, Cell> = { _seq: ev.old['_seq'] ?? null };
      for (const p of plan.primaryKey) {
        row[p.name] = ev.row[p.source] ?? null;
        old[p.name] = ev.old[p.source] ?? null;
      }
      for (const p of plan.projection) {
        if (p.source.startsWith('_') && isSystem(plan, p.source)) continue;
        const next = ev.row[p.source] ?? null;
        const prev = ev.old[p.source] ?? null;
        if (next !== null) row[p.name] = next;
        if (!cellEquals(prev, next)) old[p.name] = prev;
      }
      return { changeType: 'update', row, old };
    }
  }
}

function isSystem(plan: SubscriptionPlan, name: string): boolean {
  return plan.table.columns.some((c) => c.name === name && c.system);
}

export function cellEquals(a: Cell, b: Cell): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
