import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { createClient } from '../../src/index.js';
import { ADMIN } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { loadDemoData } from '../livebind/loadDemoData.js';
import { waitForAllQueriesReady, waitForText } from '../play.js';
import { withLivebind } from '../withLivebind.js';
import { ChatRoom } from './ChatRoom.js';

const meta = {
  title: 'Demos/Chat room',
  component: ChatRoom,
  decorators: [withLivebind],
  loaders: [loadDemoData],
  args: { room: 'lobby' },
} satisfies Meta<typeof ChatRoom>;

export default meta;
type Story = StoryObj<typeof meta>;

const panel = (root: HTMLElement, user: string): HTMLElement => {
  const el = root.querySelector<HTMLElement>(`[data-chat-user="${user}"]`);
  if (el === null) throw new Error(`No chat panel for ${user}`);
  return el;
};

/** Alice and Bob in #lobby. A message inserted over SQL, and one typed by Alice, reach both. */
export const TwoPeople: Story = {
  play: async ({ canvasElement, args, step }) => {
    await waitForAllQueriesReady(canvasElement, 'messages');

    await step('a row inserted over the SQL API shows up for everyone', async () => {
      const body = `Deploy finished at ${new Date().toLocaleTimeString()}`;
      const admin = createClient({ url: devServerUrl(), auth: ADMIN });
      try {
        await admin.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [args.room, 'admin', body]);
      } finally {
        await admin.close();
      }
      await waitForText(panel(canvasElement, 'alice'), body);
      await waitForText(panel(canvasElement, 'bob'), body);
    });

    await step('alice sends a message, bob sees it', async () => {
      const alice = within(panel(canvasElement, 'alice'));
      const text = 'Hi Bob! Rows arrive live over one WebSocket';
      await userEvent.type(alice.getByRole('textbox'), text);
      await userEvent.click(alice.getByRole('button', { name: 'Send' }));
      await waitForText(panel(canvasElement, 'bob'), text);
      await expect(alice.getByRole('textbox')).toHaveValue('');
    });

    await step('bob replies', async () => {
      const bob = within(panel(canvasElement, 'bob'));
      const text = 'Got it, Alice. Typing indicators come with presence.';
      await userEvent.type(bob.getByRole('textbox'), `${text}{enter}`);
      await waitForText(panel(canvasElement, 'alice'), text);
    });
  },
};
