import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { shallow, useConnectionState, useLiveQuery, usePresence, useTrack } from '../../react/index.js';
import type { ChannelHookOptions } from '../../react/index.js';
import type { ConnectionState, LivebindClient, RowSet } from '../../src/index.js';
import { ConnectionBadge } from '../livebind/ConnectionBadge.js';
import type { FaultInjector } from '../livebind/faultInjector.js';
import { liveQueryAttributes } from '../play.js';
import { BOB } from '../livebind/demoData.js';
import { StoryClient, useStoryLivebind } from '../withLivebind.js';
import styles from './lab.module.css';

interface Note {
  /** BIGINT: a decimal string over KalamDB, a JSON number over Supabase (/rest/v1, postgres_changes), as PostgREST sends int8. */
  readonly id: string | number;
  readonly author: string;
  readonly body: string;
}

const SQL = 'SELECT id, author, body FROM app.messages WHERE room = $1';

export interface ConnectionLabProps {
  /** Chat room (in `app.messages`) the lab reads and writes. */
  readonly room: string;
}

/**
 * The story's client goes through a FaultInjector (drop, offline, latency, stall); a second,
 * healthy client shows what the server has. After any fault the two converge.
 */
export function ConnectionLab({ room }: ConnectionLabProps): ReactNode {
  const { faults, url, protocol, client } = useStoryLivebind();
  if (faults === undefined) return <p>Set parameters.livebind.faults to use the connection lab.</p>;
  const presence = protocol === 'supabase';
  return (
    <div className={styles.canvas}>
      <header className={styles.top}>
        <h1>Connection lab</h1>
        <p>
          Break the link of the left client and watch it reconnect, {presence ? 'rejoin its channel, ' : ''}resume and converge with the server (
          {protocol === 'kalamdb' ? 'KalamDB: resumes from its last _seq' : 'Supabase Realtime: rows reload over /rest/v1, presence re-tracked'}).
        </p>
      </header>
      <div className={styles.grid}>
        <Controls faults={faults} />
        <Side room={room} name="lab" title="This client" subtitle="through the fault injector" presence={presence} />
        {/* A second client (another user) on its own healthy socket. */}
        <StoryClient url={url} protocol={protocol} user={BOB}>
          <Side room={room} name="server" title="Server" subtitle="a healthy second client" writer presence={presence}>
            <SyncBadge room={room} lab={client} />
          </Side>
        </StoryClient>
      </div>
    </div>
  );
}

interface SideProps {
  readonly room: string;
  readonly name: string;
  readonly title: string;
  readonly subtitle: string;
  readonly writer?: boolean;
  /** Track this client's presence on `lab:<room>` and show who is there (channels: Supabase only). */
  readonly presence: boolean;
  readonly children?: ReactNode;
}

function Side({ room, name, title, subtitle, writer = false, presence, children }: SideProps): ReactNode {
  const notes = useLiveQuery<Note>(SQL, [room], { orderBy: { column: 'id', direction: 'desc' } });
  const { sql: client } = useStoryLivebind();
  const [count, setCount] = useState(0);
  const write = async (): Promise<void> => {
    setCount((c) => c + 1);
    await client.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [room, 'lab', `Row written at ${new Date().toLocaleTimeString()}`]);
  };
  return (
    <section className={styles.card} {...liveQueryAttributes(name, notes)} data-ids={idsOf(notes.snapshot)}>
      <h2>
        {title} <small>{subtitle}</small>
      </h2>
      <div className={styles.sideMeta}>
        <ConnectionBadge detail />
        <span className={styles.rowCount}>{notes.snapshot.size} rows</span>
        <span className={`${styles.liveStatus} ${styles[notes.status]}`}>{notes.status}</span>
      </div>
      {presence ? <Presence topic={`lab:${room}`} /> : null}
      {children}
      {writer ? (
        <button type="button" className={styles.secondary} onClick={() => void write()}>
          Write a row {count > 0 ? `(${count})` : ''}
        </button>
      ) : null}
      <ol className={styles.rows}>
        {notes.snapshot.slice(0, 12).map((n) => (
          <li key={n.id}>
            <span className={styles.rowId}>#{String(n.id).slice(-5)}</span> {n.body}
          </li>
        ))}
        {notes.snapshot.size > 12 ? <li className={styles.more}>… {notes.snapshot.size - 12} more</li> : null}
      </ol>
    </section>
  );
}

type ChannelOptions = NonNullable<ChannelHookOptions['channel']>;

/** Tracks this client's user on `topic` and lists who is present, as this client sees it. */
function Presence({ topic }: { readonly topic: string }): ReactNode {
  const { user } = useStoryLivebind();
  const channel = useMemo<ChannelOptions>(() => ({ presence: { key: user.user } }), [user.user]);
  useTrack(topic, { name: user.user }, { channel });
  const present = usePresence<{ name: string }, readonly string[]>(topic, { channel, selector: (p) => p.members.map((m) => m.key), isEqual: shallow });
  return (
    <p className={styles.presence} data-presence={present.join(',')}>
      Present: {present.length === 0 ? <em>nobody</em> : present.map((k) => <span key={k} className={styles.who}>{k}</span>)}
    </p>
  );
}

/** Compares the lab client's rows (shared observable, same query) with this client's. */
function SyncBadge({ room, lab }: { readonly room: string; readonly lab: LivebindClient }): ReactNode {
  const mine = useLiveQuery<Note>(SQL, [room], { orderBy: { column: 'id', direction: 'desc' } });
  const theirs = useLiveQuery<Note>(SQL, [room], { orderBy: { column: 'id', direction: 'desc' }, client: lab });
  const same = idsOf(mine.snapshot) === idsOf(theirs.snapshot);
  const behind = mine.snapshot.size - theirs.snapshot.size;
  return (
    <p className={same ? styles.inSync : styles.outOfSync} data-converged={same}>
      {same ? `In sync: both clients show the same ${mine.snapshot.size} rows` : behind > 0 ? `This client is ${behind} row${behind === 1 ? '' : 's'} behind` : 'Rows differ'}
    </p>
  );
}

function idsOf(rows: RowSet<Note>): string {
  return rows.slice(0, rows.size).map((n) => `${n.id}:${n.body}`).join('|');
}

function Controls({ faults }: { readonly faults: FaultInjector }): ReactNode {
  const f = useSyncExternalStore(faults.subscribe, faults.getSnapshot);
  const connection = useConnectionState();
  const log = useTransitions(connection);
  return (
    <aside className={`${styles.card} ${styles.controls}`}>
      <h2>Faults</h2>
      <div className={styles.buttons}>
        <button type="button" className={styles.danger} onClick={() => faults.dropConnection()} disabled={f.openSockets === 0}>
          Drop connection
        </button>
        <button type="button" className={styles.danger} onClick={() => faults.restartServerSide(1500)} disabled={f.offline}>
          Restart server side
        </button>
        {f.offline ? (
          <button type="button" className={styles.good} onClick={() => faults.goOnline()}>
            Go online
          </button>
        ) : (
          <button type="button" className={styles.danger} onClick={() => faults.goOffline()}>
            Go offline
          </button>
        )}
        <label className={styles.check}>
          <input type="checkbox" checked={f.stalled} onChange={(e) => faults.setStalled(e.target.checked)} /> Stall link (drop every frame)
        </label>
      </div>
      <label className={styles.slider}>
        <span>
          Latency <strong>{f.latencyMs} ms</strong>
        </span>
        <input type="range" min={0} max={2000} step={50} value={f.latencyMs} aria-label="Latency" onChange={(e) => faults.setLatency(Number(e.target.value))} />
      </label>
      <dl className={styles.stats} data-fault-offline={f.offline}>
        <dt>Socket</dt>
        <dd>{connection.status}{connection.attempt > 0 ? ` (attempt ${connection.attempt})` : ''}</dd>
        <dt>Frames in / out</dt>
        <dd>
          {f.framesIn} / {f.framesOut}
        </dd>
        <dt>Dropped frames</dt>
        <dd>{f.droppedFrames}</dd>
        <dt>Sockets killed</dt>
        <dd>{f.drops}</dd>
        <dt>Last error</dt>
        <dd className={styles.errorText}>{connection.lastError ? `${connection.lastError.code}` : '—'}</dd>
      </dl>
      <h3>useConnectionState()</h3>
      <ol className={styles.log}>
        {log.map((entry, i) => (
          <li key={i}>
            <time>{entry.at}</time> {entry.status}
          </li>
        ))}
      </ol>
    </aside>
  );
}

/** The last status transitions of the connection, newest first. */
function useTransitions(state: ConnectionState): readonly { at: string; status: string }[] {
  const [log, setLog] = useState<readonly { at: string; status: string }[]>([]);
  useEffect(() => {
    const at = new Date().toLocaleTimeString([], { hour12: false }) + `.${String(Date.now() % 1000).padStart(3, '0')}`;
    setLog((l) => [{ at, status: state.status }, ...l].slice(0, 8));
  }, [state.status]);
  return log;
}
