import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { createClient } from '../../src/index.js';
import { ADMIN } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { waitForConnection, waitForElement, waitForQueryReady } from '../play.js';
import { withLivebind, type LivebindParameters } from '../withLivebind.js';
import { ConnectionLab } from './ConnectionLab.js';

const livebind: LivebindParameters = {
  faults: true,
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

/** Offline while rows are written, then back online: the client reconnects and ends with the same rows. */
export const DropAndResume: Story = {
  play: async ({ canvasElement, canvas, userEvent, args, step }) => {
    await waitForQueryReady(canvasElement, 'lab');
    await waitForQueryReady(canvasElement, 'server');
    const lab = canvasElement.querySelector<HTMLElement>('[data-live-query="lab"]')!;
    await waitForConnection(lab, 'open');
    const admin = createClient({ url: devServerUrl(), auth: ADMIN });
    const insert = (body: string): Promise<number> =>
      admin.execute('INSERT INTO app.messages (room, author, body) VALUES ($1, $2, $3)', [args.room, 'admin', body]);
    try {
      await step('go offline: the socket drops, writes reach only the server', async () => {
        await userEvent.click(canvas.getByRole('button', { name: 'Go offline' }));
        await waitForElement(lab, '[data-connection]', (el) => el.dataset['connection'] !== 'open', 'the lab socket to leave "open"');
        const before = size(canvasElement, 'lab');
        for (const n of [1, 2, 3]) await insert(`Written while offline (${n})`);
        await waitForElement(canvasElement, '[data-live-query="server"]', (el) => Number(el.dataset['size']) === before + 3);
        await expect(size(canvasElement, 'lab')).toBe(before);
        await waitForElement(canvasElement, '[data-converged]', (el) => el.dataset['converged'] === 'false');
      });

      await step('go online: reconnect, resume, same rows', async () => {
        await userEvent.click(canvas.getByRole('button', { name: 'Go online' }));
        await waitForConnection(lab, 'open');
        await waitForElement(canvasElement, '[data-converged]', (el) => el.dataset['converged'] === 'true', 'the clients to converge');
        await expect(ids(canvasElement, 'lab')).toBe(ids(canvasElement, 'server'));
      });

      await step('with 400 ms latency a dropped socket still converges', async () => {
        const slider = canvas.getByRole<HTMLInputElement>('slider', { name: 'Latency' });
        setRange(slider, 400);
        await userEvent.click(canvas.getByRole('button', { name: 'Drop connection' }));
        await insert('Written during a drop');
        await waitForConnection(lab, 'open');
        await waitForElement(canvasElement, '[data-converged]', (el) => el.dataset['converged'] === 'true', 'the clients to converge');
        await expect(ids(canvasElement, 'lab')).toBe(ids(canvasElement, 'server'));
        await expect(ids(canvasElement, 'lab')).toContain('Written during a drop');
      });
    } finally {
      await admin.close();
    }
  },
};

/** Sets a React-controlled range input the way a user's drag does. */
function setRange(input: HTMLInputElement, value: number): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  setter?.call(input, String(value));
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
