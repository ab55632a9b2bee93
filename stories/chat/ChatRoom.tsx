import type { ReactNode } from 'react';
import { useLiveQuery } from '../../react/index.js';
import { ALICE, BOB } from '../livebind/demoData.js';
import { StoryClient, useStoryLivebind, type StoryUser } from '../withLivebind.js';
import { ChatPanel } from './ChatPanel.js';
import styles from './chat.module.css';

export interface ChatRoomProps {
  readonly room: string;
  /** The people on the canvas, one client (and one socket) each. */
  readonly people?: readonly StoryUser[];
}

/** A chat room seen by several people side by side, each with their own client. */
export function ChatRoom({ room, people = [ALICE, BOB] }: ChatRoomProps): ReactNode {
  const { url, protocol } = useStoryLivebind();
  const total = useLiveQuery<{ id: string }>('SELECT id FROM app.messages WHERE room = $1', [room]);
  return (
    <div className={styles.canvas}>
      <div className={styles.title}>
        <h1>Chat room</h1>
        <p>
          Each panel is its own client: its own user and WebSocket. Messages are live rows of <code>app.messages</code>; sending is an{' '}
          <code>INSERT</code> over the SQL API. <span className={styles.count}>{total.snapshot.size} messages in #{room}</span>
        </p>
      </div>
      <div className={styles.panels}>
        {people.map((person) => (
          <StoryClient key={person.user} user={person} url={url} protocol={protocol}>
            <ChatPanel room={room} />
          </StoryClient>
        ))}
      </div>
    </div>
  );
}
