/**
 * `client.changes()` (raw change events, docs/SPEC.md §3.3) is opt-in, so apps that only bind live
 * rows bundle none of it:
 *
 *   import { createClient, liveChanges } from 'livebind';
 *   const client = createClient({ url, auth, changes: liveChanges });
 *   client.changes('SELECT * FROM app.messages').subscribe((e) => console.log(e.type, e.row));
 *
 * Without it `changes()` (and React's `useChanges`) throws a UsageError `OPT_IN_REQUIRED` naming this import.
 */
import { bindParams } from '../sql/sqlLiteral.js';
import type { ChangeEvent, LiveObservable } from '../types.js';
import { ChangesQuery } from './ChangesQuery.js';
import { queryId } from './QueryRegistry.js';
import type { ChangesSupport } from './QueryRegistry.js';

export const liveChanges: ChangesSupport = (context) => (sql, options = {}) => {
  const open = context.open('changes');
  const bound = bindParams(sql, options.params);
  const query = context.share(queryId(['changes', bound, options.key]), (lifecycle) =>
    new ChangesQuery<unknown>({
      open,
      spec: { text: sql, params: options.params ?? [], sql: bound, load: false, key: options.key, batchSize: undefined, lastRows: undefined },
      timers: context.timers,
      graceMs: context.graceMs,
      // The current version of a row in a running liveRows() query of the same bound SQL, if one holds it.
      lookup: (text, row) => {
        for (const q of context.running) {
          const found = q.sql === text ? q.rowLike?.(row) : undefined;
          if (found) return found;
        }
        return undefined;
      },
      ...lifecycle,
    }),
  );
  return query.source.observable as unknown as LiveObservable<ChangeEvent<never>, ChangeEvent<never> | undefined>;
};
