import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import { ADMIN } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { waitForAllQueriesReady, waitForElement, waitForText } from '../play.js';
import { withLivebind, type LivebindParameters } from '../withLivebind.js';
import { ChatRoom } from './ChatRoom.js';

const meta = {
  title: 'Demos/Chat room',
  component: ChatRoom,
  decorators: [withLivebind],
  // Presence and typing need channels: the Supabase Realtime endpoint of the dev server.
  parameters: { livebind: { protocol: 'supabase' } satisfies LivebindParameters },
  args: { room: 'lobby' },
} satisfies Meta<typeof ChatRoom>;

export default meta;
type Story = StoryObj<typeof meta>;

const panel = (root: HTMLElement, user: string): HTMLElement => {
  const el = root.querySelector<HTMLElement>(`[data-chat-user="${user}"]`);
  if (el === null) throw new Error(`No chat panel for ${user}`);
  return el;
};

/** Alice and Bob in #lobby: presence, typing, a row inserted over SQL, messages both ways. */
export const TwoPeople: Story = {
  play: async ({ canvasElement, args, step }) => {
    await waitForAllQueriesReady(canvasElement, 'messages');

    await step('alice and bob see each other in presence', async () => {
      for (const user of ['alice', 'bob']) {
        await waitForElement(panel(canvasElement, user), '[data-presence]', (el) => el.dataset['presence'] === 'alice,bob', `${user} to see alice and bob`);
      }
    });

    await step('a row inserted over the SQL API shows up for everyone', async () => {
      const body = `Deploy finished at ${new Date().toLocaleTimeString('en-GB')}`;
      const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: devServerUrl(), auth: ADMIN });
      try {
        await admin.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [args.room, 'admin', body]);
      } finally {
        await admin.close();
      }
      await waitForText(panel(canvasElement, 'alice'), body);
      await waitForText(panel(canvasElement, 'bob'), body);
    });

    await step('alice types: bob sees "alice is typing…"; she sends, bob gets the message and the indicator goes', async () => {
      const alice = within(panel(canvasElement, 'alice'));
      const text = 'Hi Bob! Rows, presence and typing share one WebSocket';
      await userEvent.type(alice.getByRole('textbox'), text);
      await waitForElement(panel(canvasElement, 'bob'), '[data-typing]', (el) => el.dataset['typing'] === 'alice', 'bob to see alice typing');
      await expect(panel(canvasElement, 'alice').querySelector<HTMLElement>('[data-typing]')?.dataset['typing']).toBe('');
      await userEvent.click(alice.getByRole('button', { name: 'Send' }));
      await waitForText(panel(canvasElement, 'bob'), text);
      await waitForElement(panel(canvasElement, 'bob'), '[data-typing]', (el) => el.dataset['typing'] === '', 'the typing indicator to go');
      await expect(alice.getByRole('textbox')).toHaveValue('');
    });

    await step('bob replies; alice sees him typing, then the message', async () => {
      const bob = within(panel(canvasElement, 'bob'));
      const text = 'Got it, Alice. I can see you are online.';
      await userEvent.type(bob.getByRole('textbox'), text);
      await waitForElement(panel(canvasElement, 'alice'), '[data-typing]', (el) => el.dataset['typing'] === 'bob', 'alice to see bob typing');
      await userEvent.type(bob.getByRole('textbox'), '{enter}');
      await waitForText(panel(canvasElement, 'alice'), text);
    });
  },
};
