import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { createClient, liveChanges } from '../../src/index.js';
import { kalamdbLogin, kalamdbSql } from '../../src/kalamdb.js';
import { ADMIN } from '../livebind/demoData.js';
import { devServerUrl } from '../livebind/devServerUrl.js';
import { waitForElement, waitForQueryReady } from '../play.js';
import { withLivebind, type LivebindParameters } from '../withLivebind.js';
import { Dashboard } from './Dashboard.js';

const meta = {
  title: 'Demos/Live dashboard',
  component: Dashboard,
  decorators: [withLivebind],
  args: { burstSize: 24, scope: 'all' },
  argTypes: {
    burstSize: { control: { type: 'range', min: 2, max: 48, step: 2 } },
    scope: { control: 'inline-radio', options: ['all', 'open'] },
  },
} satisfies Meta<typeof Dashboard>;

export default meta;
type Story = StoryObj<typeof meta>;

const kpi = (root: HTMLElement, id: string): number => Number(root.querySelector<HTMLElement>(`[data-kpi="${id}"]`)?.dataset['value']);

/** The shared play: an SQL insert and update reach the dashboard, a burst lands in the totals. */
const play: Story['play'] = async ({ canvasElement, args, step, userEvent, canvas }) => {
  // 100,000 rows page in over the socket: a few seconds on a laptop, more on a busy CI machine.
  await waitForQueryReady(canvasElement, 'orders', 0, 90_000);
  const admin = createClient({ login: kalamdbLogin, sql: kalamdbSql, url: devServerUrl(), auth: ADMIN });
  try {
    let id = '';
    await step('a row inserted over SQL appears at the top and in the totals', async () => {
      const before = kpi(canvasElement, 'orders');
      const customer = `Storybook ${Math.random().toString(36).slice(2, 7)}`;
      await admin.execute('INSERT INTO app.orders (customer, region, status, amount) VALUES ($1, $2, $3, $4)', [customer, 'EU', 'pending', 1234.5]);
      const row = await waitForElement(canvasElement, '[data-virtual-list="orders"] [data-index="0"] [data-order-id]', (el) =>
        (el.textContent ?? '').includes(customer),
      );
      id = row.dataset['orderId'] ?? '';
      await waitForElement(canvasElement, `[data-list="activity"] [data-order-id="${id}"]`);
      await waitForElement(canvasElement, '[data-kpi="orders"]', (el) => Number(el.dataset['value']) === before + 1);
    });

    await step('an update over SQL changes the row in place', async () => {
      await admin.execute("UPDATE app.orders SET status = 'paid' WHERE id = $1", [id]);
      await waitForElement(canvasElement, `[data-virtual-list="orders"] [data-order-id="${id}"]`, (el) => el.dataset['status'] === 'paid');
    });

    await step('a burst of writes from the page lands in the totals and the chart', async () => {
      const before = kpi(canvasElement, 'orders');
      await userEvent.click(canvas.getByRole('button', { name: /Burst/ }));
      // Updates may move open orders to "shipped" (out of the `open` scope), so count the inserts only as a floor.
      await waitForElement(canvasElement, 'button[data-writing="false"]');
      if (args.scope === 'all') await waitForElement(canvasElement, '[data-kpi="orders"]', (el) => Number(el.dataset['value']) === before + args.burstSize);
      await waitForElement(canvasElement, 'svg[data-samples]', (el) => Number(el.dataset['samples']) >= 3);
    });
  } finally {
    await admin.close();
  }
};

/** Every order (100,000 seeded by the dev server) over the KalamDB endpoint; the list renders only a window via slice(). */
export const KalamDB: Story = {
  name: 'KalamDB: 100k orders',
  parameters: { livebind: { protocol: 'kalamdb', clientOptions: { changes: liveChanges } } satisfies LivebindParameters },
  play: async (context) => {
    await play(context);
    const { canvasElement, step } = context;
    await step('the list holds 100,000+ server rows and renders only a window', async () => {
      const list = await waitForElement(canvasElement, '[data-virtual-list="orders"]');
      await expect(Number(list.dataset['size'])).toBeGreaterThan(100_000);
      list.scrollTop = 50_000 * 34;
      await waitForElement(list, '[data-index="50000"]');
      await expect(list.querySelectorAll('[data-index]').length).toBeLessThan(40);
      list.scrollTop = 0;
      await waitForElement(list, '[data-index="0"]');
    });
  },
};

/** Open orders over the Supabase Realtime endpoint of the same dev server (postgres_changes + /rest/v1). */
export const Supabase: Story = {
  name: 'Supabase: open orders',
  args: { scope: 'open' },
  parameters: { livebind: { protocol: 'supabase', clientOptions: { changes: liveChanges } } satisfies LivebindParameters },
  play,
};
