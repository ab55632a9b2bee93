import { useCallback, useEffect, useRef, useState } from 'react';
import { useBroadcast, useSend } from '../../react/index.js';
import type { ChannelHookOptions } from '../../react/index.js';

/** Channel options as the hooks take them (`ChannelOptions` is not exported from `livebind` itself). */
type ChannelOptions = NonNullable<ChannelHookOptions['channel']>;

/** How long a "typing" broadcast counts (a peer re-announces every TYPING_EVERY_MS while typing). */
export const TYPING_TTL_MS = 3_000;
const TYPING_EVERY_MS = 1_200;

interface TypingPayload {
  readonly user: string;
  readonly typing: boolean;
}

/**
 * Typing indicators over broadcast (nothing stored): `typing()` announces this user at most every
 * 1.2 s, `stopped()` says so at once (after sending a message); `typists` are the others who
 * announced in the last 3 s, sorted. Sends use `delivery: 'drop'`: a stale "is typing" is worthless.
 */
export function useTyping(topic: string, user: string, channel: ChannelOptions): { typists: readonly string[]; typing: () => void; stopped: () => void } {
  const send = useSend(topic, { channel });
  const [until, setUntil] = useState<ReadonlyMap<string, number>>(new Map());
  const lastSent = useRef(0);

  useBroadcast(
    topic,
    'typing',
    ({ payload }) => {
      const p = payload as Partial<TypingPayload>;
      if (typeof p.user !== 'string' || p.user === user) return;
      const who = p.user;
      setUntil((m) => {
        const next = new Map(m);
        if (p.typing === true) next.set(who, Date.now() + TYPING_TTL_MS);
        else next.delete(who);
        return next;
      });
    },
    { channel },
  );

  // Expire announcements that were not renewed.
  useEffect(() => {
    if (until.size === 0) return;
    const soonest = Math.min(...until.values());
    const timer = setTimeout(() => setUntil((m) => new Map([...m].filter(([, t]) => t > Date.now()))), Math.max(0, soonest - Date.now()) + 20);
    return () => clearTimeout(timer);
  }, [until]);

  const typing = useCallback(() => {
    const now = Date.now();
    if (now - lastSent.current < TYPING_EVERY_MS) return;
    lastSent.current = now;
    void send('typing', { user, typing: true } satisfies TypingPayload, { delivery: 'drop' });
  }, [send, user]);

  const stopped = useCallback(() => {
    lastSent.current = 0;
    void send('typing', { user, typing: false } satisfies TypingPayload, { delivery: 'drop' });
  }, [send, user]);

  return { typists: [...until.keys()].sort(), typing, stopped };
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingText(typists: readonly string[]): string {
  if (typists.length === 0) return '';
  if (typists.length === 1) return `${typists[0]} is typing…`;
  if (typists.length === 2) return `${typists[0]} and ${typists[1]} are typing…`;
  return `${typists.length} people are typing…`;
}
