import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ChangeEvent, ChangesOptions, SqlParam } from '../src/types.js';
import { useLivebindClient, type ClientOption } from './LiveProvider.js';
import { stableKey } from '../src/observer/stableKey.js';

export interface UseChangesOptions extends ClientOption {
  readonly params?: readonly SqlParam[];
  readonly key?: string | readonly string[];
  /** Called when the change stream fails. Without it the error is thrown to the nearest error boundary. */
  readonly onError?: (error: unknown) => void;
}

// useLayoutEffect warns during SSR in React 18; effects never run on the server anyway.
const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/**
 * Calls `onChange` for every live insert/update/delete matching `sql`, effect-style.
 * The latest `onChange` is always called (kept in a ref): passing a new arrow function each
 * render does not resubscribe; changing `sql`, `params` (by value), `key` or the client does.
 */
export function useChanges<Row = Record<string, unknown>>(
  sql: string,
  onChange: (event: ChangeEvent<Row>) => void,
  options?: UseChangesOptions,
): void {
  const client = useLivebindClient(options?.client, 'useChanges');
  const handlers = useRef({ onChange, onError: options?.onError });
  useIsomorphicLayoutEffect(() => {
    handlers.current = { onChange, onError: options?.onError };
  });
  const [failure, setFailure] = useState<{ error: unknown } | undefined>(undefined);

  const coreOptions: ChangesOptions = {
    ...(options?.params !== undefined && options.params.length > 0 ? { params: options.params } : {}),
    ...(options?.key !== undefined ? { key: options.key } : {}),
  };
  const key = stableKey(coreOptions);
  useEffect(() => {
    const subscription = client.changes<Row>(sql, coreOptions).subscribe({
      next: (event) => {
        handlers.current.onChange(event);
      },
      error: (error: unknown) => {
        const onError = handlers.current.onError;
        if (onError !== undefined) onError(error);
        else setFailure({ error });
      },
    });
    return () => subscription.unsubscribe();
    // `coreOptions` is equal by value whenever `key` is unchanged.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, sql, key]);

  if (failure !== undefined) throw failure.error;
}
