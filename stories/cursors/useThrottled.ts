import { useCallback, useEffect, useRef } from 'react';

/**
 * `fn` at most once per `ms`, leading and trailing: the first call runs at once, later calls
 * within the window collapse into one call with the latest arguments at the window's end.
 */
export function useThrottled<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  const latest = useRef(fn);
  latest.current = fn;
  const last = useRef(0);
  const pending = useRef<{ args: A; timer: ReturnType<typeof setTimeout> } | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current?.timer), []);
  return useCallback(
    (...args: A) => {
      const wait = last.current + ms - Date.now();
      if (wait <= 0 && pending.current === undefined) {
        last.current = Date.now();
        latest.current(...args);
        return;
      }
      if (pending.current) {
        pending.current.args = args;
        return;
      }
      const timer = setTimeout(() => {
        const call = pending.current;
        pending.current = undefined;
        last.current = Date.now();
        if (call) latest.current(...call.args);
      }, Math.max(0, wait));
      pending.current = { args, timer };
    },
    [ms],
  );
}
