import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { createClient } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import { ADMIN, ALICE } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { waitForConnection, waitForElement, waitForQueryReady } from '../play.js';
import { withLivebind, type LivebindParameters } from '../withLivebind.js';
import { ConnectionLab } from './ConnectionLab.js';

const livebind: LivebindParameters = {
  faults: true,
  user: ALICE,
  protocol: 'supabase',
  // Short backoff so a demo reconnect is quick (defaults: 1 s doubling to 30 s, full jitter).
  clientOptions: { reconnect: { initialDelayMs: 300, maxDelayMs: 2000 } },
};

const meta = {
  title: 'Demos/Connection lab',
  component: ConnectionLab,
  decorators: [withLivebind],
  parameters: { livebind },
  args: { room: 'lab' },
} satisfies Meta<typeof ConnectionLab>;

export default meta;
type Story = StoryObj<typeof meta>;

const ids = (root: HTMLElement, name: string): string => root.querySelector<HTMLElement>(`[data-live-query="${name}"]`)?.dataset['ids'] ?? '';
const size = (root: HTMLElement, name: string): number => Number(root.querySelector<HTMLElement>(`[data-live-query="${name}"]`)?.dataset['size']);

/** Waits until the side `name` shows exactly `who` present. */
const presenceIs = (root: HTMLElement, name: string, who: string): Promise<HTMLElement> =>
  waitForElement(root, `[data-live-query="${name}"] [data-presence]`, (el) => el.dataset['presence'] === who, `${name} to see presence "${who}"`);

/** Offline while rows are written, back online, then a server-side restart: same rows and presence at the end. */
const play = (withPresence: boolean): NonNullable<Story['play']> =>
  async ({ canvasElement, canvas, userEvent, args, step }) => {
    await waitForQueryReady(canvasElement, 'lab');
    await waitForQueryReady(canvasElement, 'server');
    const lab = canvasElement.querySelector<HTMLElement>('[data-live-query="lab"]')!;
    await waitForConnection(lab, 'open');
    if (withPresence) {
      await presenceIs(canvasElement, 'lab', 'alice,bob');
      await presenceIs(canvasElement, 'server', 'alice,bob');
    }
    const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: devServerUrl(), auth: ADMIN });
    const insert = (body: string): Promise<number> =>
      admin.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [args.room, 'admin', body]);
    const converged = async (): Promise<void> => {
      await waitForElement(canvasElement, '[data-converged]', (el) => el.dataset['converged'] === 'true', 'the clients to converge');
      await expect(ids(canvasElement, 'lab')).toBe(ids(canvasElement, 'server'));
      if (withPresence) {
        await presenceIs(canvasElement, 'lab', 'alice,bob');
        await presenceIs(canvasElement, 'server', 'alice,bob');
      }
    };
    try {
      await step('go offline: the socket drops, writes reach only the server' + (withPresence ? ', alice leaves presence' : ''), async () => {
        await userEvent.click(canvas.getByRole('button', { name: 'Go offline' }));
        await waitForElement(lab, '[data-connection]', (el) => el.dataset['connection'] !== 'open', 'the lab socket to leave "open"');
        const before = size(canvasElement, 'lab');
        for (const n of [1, 2, 3]) await insert(`Written while offline (${n})`);
        await waitForElement(canvasElement, '[data-live-query="server"]', (el) => Number(el.dataset['size']) === before + 3);
        await expect(size(canvasElement, 'lab')).toBe(before);
        await waitForElement(canvasElement, '[data-converged]', (el) => el.dataset['converged'] === 'false');
        if (withPresence) await presenceIs(canvasElement, 'server', 'bob');
      });

      await step('go online: reconnect, resume, same rows' + (withPresence ? ' and presence' : ''), async () => {
        await userEvent.click(canvas.getByRole('button', { name: 'Go online' }));
        await waitForConnection(lab, 'open');
        await converged();
      });

      await step('restart the server side with 200 ms latency, a row written meanwhile: converges again', async () => {
        setRange(canvas.getByRole<HTMLInputElement>('slider', { name: 'Latency' }), 200);
        await userEvent.click(canvas.getByRole('button', { name: 'Restart server side' }));
        await insert('Written during a restart');
        await waitForConnection(lab, 'open');
        await converged();
        await expect(ids(canvasElement, 'lab')).toContain('Written during a restart');
      });
    } finally {
      await admin.close();
    }
  };

/** Rows and presence over the Supabase endpoint (one socket): rows reload, presence is re-tracked. */
export const Supabase: Story = {
  name: 'Supabase: rows + presence',
  play: play(true),
};

/** Rows over the KalamDB endpoint: the subscription resumes from its last _seq. */
export const KalamDB: Story = {
  name: 'KalamDB: rows',
  parameters: { livebind: { ...livebind, protocol: 'kalamdb' } },
  play: play(false),
};

/** Sets a React-controlled range input the way a user's drag does. */
function setRange(input: HTMLInputElement, value: number): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  setter?.call(input, String(value));
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
