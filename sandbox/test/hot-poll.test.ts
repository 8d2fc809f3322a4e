// HotPoll keeps the event loop turning (setImmediate) for its budget, and no longer. The tests
// move a clock of their own: with the real one, a machine busy enough to leave this process
// unscheduled for the budget would end the window before the test could look.
import { describe, expect, it } from 'vitest';
import { HotPoll } from '../src/hot-poll.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('HotPoll', () => {
  it('polls for its budget after start, then lets the loop sleep', async () => {
    let now = 1_000;
    const hot = new HotPoll(300_000, () => now); // 300 ms
    hot.start();
    now += 200;
    hot.start(); // extends the running window (to 1,500 ms); still one spinner
    expect(hot.active).toBe(true);
    now += 250; // 1,450: past the first window, inside the extended one
    await turn();
    await turn();
    expect(hot.active).toBe(true);
    now += 100; // 1,550
    await expect.poll(() => hot.active, { interval: 1 }).toBe(false);
  });

  it('stops early when the answer came', async () => {
    const hot = new HotPoll(1_000_000, () => 0); // 1 s that never passes
    hot.start();
    await turn();
    expect(hot.active).toBe(true);
    hot.stop();
    await turn();
    await turn();
    expect(hot.active).toBe(false);
  });

  it('does nothing with a zero budget', () => {
    const hot = new HotPoll(0);
    hot.start();
    expect(hot.active).toBe(false);
  });

  it('keeps time with the real clock by default', async () => {
    const hot = new HotPoll(1); // 1 µs
    hot.start();
    await expect.poll(() => hot.active, { interval: 1 }).toBe(false);
  });
});
