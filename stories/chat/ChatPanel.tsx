import { useLayoutEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { shallow, useLiveQuery, usePresence, useTrack } from '../../react/index.js';
import type { ChannelHookOptions } from '../../react/index.js';

/** Channel options as the hooks take them (`ChannelOptions` is not exported from `livebind` itself). */
type ChannelOptions = NonNullable<ChannelHookOptions['channel']>;
import { ConnectionBadge } from '../livebind/ConnectionBadge.js';
import { timestampDate } from '../livebind/time.js';
import { liveQueryAttributes } from '../play.js';
import { useStoryLivebind } from '../withLivebind.js';
import { typingText, useTyping } from './useTyping.js';
import styles from './chat.module.css';

export interface Message {
  readonly id: string;
  readonly room: string;
  readonly author: string;
  readonly body: string;
  /** Microseconds since the epoch. */
  /** KalamDB: microseconds since the epoch; Supabase: ISO text. */
  readonly created_at: number | string | null;
}

const PALETTE = ['#7c3aed', '#0891b2', '#db2777', '#ea580c', '#16a34a', '#4f46e5'];

/** A stable colour per author name. */
export function authorColor(author: string): string {
  let h = 0;
  for (const ch of author) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

function time(value: number | string | null): string {
  return timestampDate(value)?.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) ?? '';
}

/**
 * One person's view of a chat room: live messages (`useLiveQuery`), who is here (`usePresence` +
 * `useTrack`), who is typing (broadcast), and a composer that sends through the SQL API
 * (`execute`). Uses the nearest <StoryClient>'s clients and user: over the Supabase protocol rows,
 * presence and typing share one socket; the INSERT goes over HTTP.
 */
export function ChatPanel({ room }: { readonly room: string }): ReactNode {
  const { user, sql: client } = useStoryLivebind();
  const topic = `room:${room}`;
  // One presence key per user: two tabs of one user are one member with two connections.
  const channel = useMemo<ChannelOptions>(() => ({ presence: { key: user.user } }), [user.user]);
  useTrack(topic, { name: user.user }, { channel });
  const online = usePresence<{ name: string }, readonly string[]>(topic, {
    channel,
    selector: (p) => p.members.map((m) => m.key),
    isEqual: shallow,
  });
  const { typists, typing, stopped } = useTyping(topic, user.user, channel);
  const messages = useLiveQuery<Message>('SELECT id, room, author, body, created_at FROM app.messages WHERE room = $1', [room], {
    orderBy: 'id',
  });
  const [draft, setDraft] = useState('');
  const [sendError, setSendError] = useState<string | undefined>(undefined);
  const list = useRef<HTMLOListElement>(null);

  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.snapshot]);

  async function send(event: FormEvent): Promise<void> {
    event.preventDefault();
    const body = draft.trim();
    if (body === '') return;
    setDraft('');
    stopped();
    try {
      await client.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [room, user.user, body]);
      setSendError(undefined);
    } catch (error) {
      setDraft(body);
      setSendError((error as Error).message);
    }
  }

  return (
    <section className={styles.panel} data-chat-user={user.user}>
      <header className={styles.header}>
        <span className={styles.avatar} style={{ background: authorColor(user.user) }}>
          {user.user.slice(0, 1).toUpperCase()}
        </span>
        <div className={styles.who}>
          <strong>{user.user}</strong>
          <span className={styles.room}>#{room}</span>
        </div>
        <ConnectionBadge />
      </header>

      <div className={styles.presence} data-presence={online.join(',')}>
        <span className={styles.presenceLabel}>Here now</span>
        {online.map((name) => (
          <span key={name} className={styles.chip} title={name === user.user ? `${name} (you)` : name}>
            <span className={styles.dot} style={{ background: authorColor(name) }} />
            {name}
            {name === user.user ? <small> (you)</small> : null}
          </span>
        ))}
      </div>

      <ol ref={list} className={styles.messages} {...liveQueryAttributes('messages', messages)}>
        {messages.status === 'loading' && messages.rows.length === 0 ? <li className={styles.empty}>Loading messages…</li> : null}
        {messages.error ? <li className={styles.error}>{messages.error.message}</li> : null}
        {messages.rows.map((m) => {
          const mine = m.author === user.user;
          return (
            <li key={m.id} className={mine ? styles.mine : styles.theirs} data-message-id={m.id}>
              {mine ? null : (
                <span className={styles.author} style={{ color: authorColor(m.author) }}>
                  {m.author}
                </span>
              )}
              <span className={styles.bubble}>{m.body}</span>
              <span className={styles.time}>{time(m.created_at)}</span>
            </li>
          );
        })}
      </ol>

      <div className={styles.typing} data-typing={typists.join(',')} aria-live="polite">
        {typists.length > 0 ? (
          <>
            <span className={styles.dots}>
              <i />
              <i />
              <i />
            </span>
            {typingText(typists)}
          </>
        ) : null}
      </div>

      <form className={styles.composer} onSubmit={(e) => void send(e)}>
        <input
          className={styles.input}
          value={draft}
          placeholder={`Message #${room} as ${user.user}`}
          aria-label={`Message as ${user.user}`}
          onChange={(e) => {
            setDraft(e.target.value);
            if (e.target.value !== '') typing();
          }}
        />
        <button className={styles.send} type="submit" disabled={draft.trim() === ''}>
          Send
        </button>
      </form>
      {sendError ? <p className={styles.error}>{sendError}</p> : null}
    </section>
  );
}
