import { useEffect, useRef, useState } from 'react';
import { isLivebindError, type LivebindError } from '../src/errors.js';
import { useChannel, type ChannelHookOptions } from './channelClient.js';
import { shallow } from '../src/observer/shallow.js';

/**
 * Declarative presence: tracks `meta` on `topic` while mounted, re-tracks when `meta` changes
 * (shallow comparison, so an inline object literal is fine), untracks on unmount or when `meta`
 * is null. The channel coalesces quick changes under its presence budget and re-tracks after
 * every rejoin. One presence per channel and client: two mounted useTrack of one topic share it
 * (the latest meta wins). Returns the last track error (e.g. `PAYLOAD_TOO_LARGE`), else undefined.
 */
export function useTrack<M extends Record<string, unknown>>(topic: string, meta: M | null, options?: ChannelHookOptions): LivebindError | undefined {
  const channel = useChannel<M>(topic, options, 'useTrack');
  const [error, setError] = useState<LivebindError | undefined>(undefined);
  const stable = useRef<M | null>(meta);
  if (!shallow(stable.current, meta)) stable.current = meta;
  const current = stable.current;
  // A changed meta is re-tracked (an update on the server, never untrack + track).
  useEffect(() => {
    if (current === null) {
      channel.untrack().catch(() => {});
      return;
    }
    let live = true;
    channel.track(current).then(
      () => live && setError(undefined),
      (e: unknown) => live && isLivebindError(e) && setError(e),
    );
    return () => {
      live = false;
    };
  }, [channel, current]);
  // Unmount (or another channel): untrack. Leaving covers failures; nothing to report after unmount.
  useEffect(() => () => void channel.untrack().catch(() => {}), [channel]);
  return error;
}
