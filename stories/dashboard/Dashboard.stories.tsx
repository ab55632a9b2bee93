import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { createClient } from '../../src/index.js';
import { ADMIN } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { loadDemoData } from '../livebind/loadDemoData.js';
import { waitForElement, waitForQueryReady } from '../play.js';
import { withLivebind } from '../withLivebind.js';
import { Dashboard } from './Dashboard.js';

const meta = {
  title: 'Demos/Live dashboard',
  component: Dashboard,
  decorators: [withLivebind],
  loaders: [loadDemoData],
  args: { burstSize: 24, archiveSize: 100_000 },
  argTypes: { burstSize: { control: { type: 'range', min: 2, max: 48, step: 2 } } },
} satisfies Meta<typeof Dashboard>;

export default meta;
type Story = StoryObj<typeof meta>;

const kpi = (root: HTMLElement, id: string): number => Number(root.querySelector<HTMLElement>(`[data-kpi="${id}"]`)?.dataset['value']);

/** Orders inserted and updated over SQL show up in the table, the totals and the chart. */
export const LiveOrders: Story = {
  play: async ({ canvasElement, args, step, userEvent, canvas }) => {
    await waitForQueryReady(canvasElement, 'orders');
    const admin = createClient({ url: devServerUrl(), auth: ADMIN });
    try {
      let id = '';
      await step('a row inserted over SQL appears at the top, in the totals and the history', async () => {
        const before = kpi(canvasElement, 'orders');
        await admin.execute("INSERT INTO app.orders (customer, region, status, amount) VALUES ('Storybook test', 'EU', 'pending', 1234.5)");
        const row = await waitForElement(canvasElement, '[data-virtual-list="orders"] [data-index="0"] [data-order-id]', (el) =>
          (el.textContent ?? '').includes('Storybook test'),
        );
        id = row.dataset['orderId'] ?? '';
        await waitForElement(canvasElement, '[data-kpi="orders"]', (el) => Number(el.dataset['value']) === before + 1);
        await waitForElement(canvasElement, `[data-virtual-list="history"] [data-order-id="${id}"]`);
      });

      await step('an update over SQL changes the row in place', async () => {
        await admin.execute("UPDATE app.orders SET status = 'paid' WHERE id = $1", [id]);
        await waitForElement(canvasElement, `[data-virtual-list="orders"] [data-order-id="${id}"]`, (el) => el.dataset['status'] === 'paid');
      });

      await step('a burst of writes from the page lands in the totals', async () => {
        const before = kpi(canvasElement, 'orders');
        await userEvent.click(canvas.getByRole('button', { name: /Burst/ }));
        await waitForElement(canvasElement, '[data-kpi="orders"]', (el) => Number(el.dataset['value']) === before + args.burstSize);
        await waitForElement(canvasElement, 'svg[data-samples]', (el) => Number(el.dataset['samples']) >= 3);
      });

      await step(`the history holds ${args.archiveSize.toLocaleString('en-US')}+ rows and renders only a window`, async () => {
        const list = await waitForElement(canvasElement, '[data-virtual-list="history"]');
        await expect(Number(list.dataset['size'])).toBeGreaterThan(args.archiveSize);
        list.scrollTop = 50_000 * 34;
        await waitForElement(list, '[data-index="50000"]');
        await expect(list.querySelectorAll('[data-index]').length).toBeLessThan(40);
        list.scrollTop = 0;
        await waitForElement(list, '[data-index="0"]');
      });
    } finally {
      await admin.close();
    }
  },
};
