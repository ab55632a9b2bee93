import { useMemo, useState, type PointerEvent, type ReactNode } from 'react';
import { shallow, useBroadcast, usePresence, useSend, useTrack } from '../../react/index.js';
import type { ChannelHookOptions } from '../../react/index.js';
import { authorColor } from '../chat/ChatPanel.js';
import { ConnectionBadge } from '../livebind/ConnectionBadge.js';
import { ALICE, BOB } from '../livebind/demoData.js';
import { StoryClient, useStoryLivebind, type StoryUser } from '../withLivebind.js';
import { useThrottled } from './useThrottled.js';
import styles from './cursors.module.css';

type ChannelOptions = NonNullable<ChannelHookOptions['channel']>;

export interface SharedCursorsProps {
  /** Broadcast topic of the board. */
  readonly board: string;
  /** At most one cursor message per this many ms per peer (default 100). */
  readonly throttleMs: number;
  /** The people on the canvas, one client (and one socket) each. */
  readonly people?: readonly StoryUser[];
}

interface Position {
  readonly x: number;
  readonly y: number;
}

/** Several people on one board, side by side: each sees the others' pointers live. */
export function SharedCursors({ board, throttleMs, people = [ALICE, BOB] }: SharedCursorsProps): ReactNode {
  const { url, protocol } = useStoryLivebind();
  return (
    <div className={styles.canvas}>
      <header className={styles.title}>
        <h1>Shared cursors</h1>
        <p>
          Pointer positions go out over <code>broadcast</code> (<code>useSend</code>, at most one per {throttleMs} ms, dropped while not joined);
          who is here comes from <code>usePresence</code>. A cursor disappears when its person leaves.
        </p>
      </header>
      <div className={styles.boards}>
        {people.map((person) => (
          <StoryClient key={person.user} user={person} url={url} protocol={protocol}>
            <Seat board={board} throttleMs={throttleMs} />
          </StoryClient>
        ))}
      </div>
    </div>
  );
}

/** One person's seat: in the room (board mounted, tracked) or out of it. */
function Seat({ board, throttleMs }: { readonly board: string; readonly throttleMs: number }): ReactNode {
  const { user } = useStoryLivebind();
  const [inside, setInside] = useState(true);
  return (
    <section className={styles.seat} data-seat={user.user} data-inside={inside}>
      <header className={styles.seatHeader}>
        <span className={styles.avatar} style={{ background: authorColor(user.user) }}>
          {user.user.slice(0, 1).toUpperCase()}
        </span>
        <strong>{user.user}</strong>
        <ConnectionBadge />
        <button type="button" className={styles.leave} onClick={() => setInside((v) => !v)}>
          {inside ? 'Leave' : 'Join'}
        </button>
      </header>
      {inside ? <Board topic={`cursors:${board}`} throttleMs={throttleMs} me={user.user} /> : <div className={styles.away}>You left the board.</div>}
    </section>
  );
}

function Board({ topic, throttleMs, me }: { readonly topic: string; readonly throttleMs: number; readonly me: string }): ReactNode {
  const channel = useMemo<ChannelOptions>(() => ({ presence: { key: me } }), [me]);
  useTrack(topic, { name: me }, { channel });
  const others = usePresence<{ name: string }, readonly string[]>(topic, {
    channel,
    selector: (p) => p.members.map((m) => m.key).filter((k) => k !== me),
    isEqual: shallow,
  });
  const [positions, setPositions] = useState<ReadonlyMap<string, Position>>(new Map());
  const [stats, setStats] = useState({ moves: 0, sent: 0 });
  const send = useSend(topic, { channel });

  useBroadcast(
    topic,
    'cursor',
    ({ payload }) => {
      const p = payload as Partial<Position & { user: string }>;
      if (typeof p.user !== 'string' || typeof p.x !== 'number' || typeof p.y !== 'number') return;
      const who = p.user;
      const at = { x: clamp(p.x), y: clamp(p.y) };
      setPositions((m) => new Map(m).set(who, at));
    },
    { channel },
  );

  const sendPosition = useThrottled((x: number, y: number) => {
    setStats((s) => ({ ...s, sent: s.sent + 1 }));
    void send('cursor', { user: me, x, y }, { delivery: 'drop' });
  }, throttleMs);

  const onMove = (event: PointerEvent<HTMLDivElement>): void => {
    const box = event.currentTarget.getBoundingClientRect();
    setStats((s) => ({ ...s, moves: s.moves + 1 }));
    sendPosition((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  };

  return (
    <>
      <div className={styles.board} onPointerMove={onMove} data-board={me} data-others={others.join(',')}>
        <span className={styles.hint}>Move your pointer here</span>
        {others.map((name) => {
          const at = positions.get(name);
          if (at === undefined) return null;
          return (
            <div
              key={name}
              className={styles.cursor}
              style={{ left: `${at.x * 100}%`, top: `${at.y * 100}%`, transition: `left ${throttleMs}ms linear, top ${throttleMs}ms linear` }}
              data-cursor={name}
              data-x={at.x.toFixed(3)}
              data-y={at.y.toFixed(3)}
            >
              <svg width="18" height="22" viewBox="0 0 18 22" aria-hidden="true">
                <path d="M1 1l15 9.5-6.6 1.5L6 19z" fill={authorColor(name)} stroke="white" strokeWidth="1.5" strokeLinejoin="round" />
              </svg>
              <span className={styles.label} style={{ background: authorColor(name) }}>
                {name}
              </span>
            </div>
          );
        })}
      </div>
      <footer className={styles.footer}>
        <span>
          Here with you: <strong>{others.length === 0 ? 'nobody' : others.join(', ')}</strong>
        </span>
        <span data-stats>
          {stats.moves} moves → {stats.sent} sent
        </span>
      </footer>
    </>
  );
}

const clamp = (v: number): number => Math.min(1, Math.max(0, v));
