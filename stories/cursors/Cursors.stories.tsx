import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { waitFor } from 'storybook/test';
import { LIVE_TIMEOUT_MS, waitForElement } from '../play.js';
import { withLivebind, type LivebindParameters } from '../withLivebind.js';
import { SharedCursors } from './SharedCursors.js';

const meta = {
  title: 'Demos/Shared cursors',
  component: SharedCursors,
  decorators: [withLivebind],
  // Broadcast and presence: the Supabase Realtime endpoint of the dev server.
  parameters: { livebind: { protocol: 'supabase' } satisfies LivebindParameters },
  args: { board: 'demo', throttleMs: 100 },
  argTypes: { throttleMs: { control: { type: 'range', min: 0, max: 1000, step: 25 } } },
} satisfies Meta<typeof SharedCursors>;

export default meta;
type Story = StoryObj<typeof meta>;

const seat = (root: HTMLElement, user: string): HTMLElement => {
  const el = root.querySelector<HTMLElement>(`[data-seat="${user}"]`);
  if (el === null) throw new Error(`No seat for ${user}`);
  return el;
};

/** Moves the pointer over `board` to the fractions (x, y) of its size. */
function movePointer(board: HTMLElement, x: number, y: number): void {
  const box = board.getBoundingClientRect();
  board.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: box.left + x * box.width, clientY: box.top + y * box.height }));
}

const near = (el: HTMLElement, x: number, y: number): boolean =>
  Math.abs(Number(el.dataset['x']) - x) < 0.01 && Math.abs(Number(el.dataset['y']) - y) < 0.01;

/**
 * Keeps moving `user`'s pointer over `from` to (x, y) until `to` shows that user's cursor there
 * (sends use `delivery: 'drop'`, so moves made before the channel is joined are dropped).
 */
async function moveUntilSeen(from: HTMLElement, to: HTMLElement, user: string, x: number, y: number): Promise<void> {
  await waitFor(
    () => {
      const cursor = to.querySelector<HTMLElement>(`[data-cursor="${user}"]`);
      if (cursor === null || !near(cursor, x, y)) {
        movePointer(from, x, y);
        throw new Error(`${user}'s cursor is not at (${x}, ${y}) yet`);
      }
    },
    { timeout: LIVE_TIMEOUT_MS, interval: 150 },
  );
}

/** Alice moves her pointer: Bob sees her cursor follow; Alice leaves: her cursor is gone. */
export const TwoPeople: Story = {
  play: async ({ canvasElement, step, userEvent }) => {
    const aliceBoard = await waitForElement(seat(canvasElement, 'alice'), '[data-board]', (el) => el.dataset['others'] === 'bob', 'alice to see bob');
    const bobSeat = seat(canvasElement, 'bob');
    await waitForElement(bobSeat, '[data-board]', (el) => el.dataset['others'] === 'alice', 'bob to see alice');

    await step("alice's pointer shows up on bob's board and follows her", async () => {
      // The channel may still be joining: `drop` delivery drops moves until then, so keep moving.
      await moveUntilSeen(aliceBoard, bobSeat, 'alice', 0.25, 0.3);
      for (const [x, y] of [[0.4, 0.45], [0.55, 0.55], [0.7, 0.62]] as const) movePointer(aliceBoard, x, y);
      await waitForElement(bobSeat, '[data-cursor="alice"]', (el) => near(el, 0.7, 0.62), "alice's cursor to follow to (0.7, 0.62)");
      await expect(seat(canvasElement, 'alice').querySelector('[data-cursor="alice"]')).toBeNull();
    });

    await step('bob moves too: each sees the other, in their colour', async () => {
      const bobBoard = bobSeat.querySelector<HTMLElement>('[data-board]')!;
      await moveUntilSeen(bobBoard, seat(canvasElement, 'alice'), 'bob', 0.35, 0.72);
    });

    await step("alice leaves: her cursor goes from bob's board", async () => {
      await userEvent.click(seat(canvasElement, 'alice').querySelector('button')!);
      await waitForElement(bobSeat, '[data-board]', (el) => el.dataset['others'] === '' && el.querySelector('[data-cursor="alice"]') === null, 'alice to leave');
      await userEvent.click(seat(canvasElement, 'alice').querySelector('button')!);
      await waitForElement(bobSeat, '[data-board]', (el) => el.dataset['others'] === 'alice', 'alice to be back');
      const again = seat(canvasElement, 'alice').querySelector<HTMLElement>('[data-board]')!;
      await moveUntilSeen(again, bobSeat, 'alice', 0.62, 0.38);
      await moveUntilSeen(bobSeat.querySelector<HTMLElement>('[data-board]')!, seat(canvasElement, 'alice'), 'bob', 0.3, 0.66);
    });
  },
};
