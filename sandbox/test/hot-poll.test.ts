// HotPoll keeps the event loop turning (setImmediate) for its budget, and no longer.
import { describe, expect, it } from 'vitest';
import { HotPoll } from '../src/hot-poll.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('HotPoll', () => {
  it('polls for its budget after start, then lets the loop sleep', async () => {
    const hot = new HotPoll(300_000); // 300 ms: wide enough for a loaded CI machine
    hot.start();
    hot.start(); // extends the running window; still one spinner
    expect(hot.active).toBe(true);
    await sleep(5);
    expect(hot.active).toBe(true);
    const until = Date.now() + 5_000;
    while (hot.active && Date.now() < until) await sleep(20);
    expect(hot.active).toBe(false);
  });

  it('stops early when the answer came', async () => {
    const hot = new HotPoll(1_000_000); // 1 s
    hot.start();
    await sleep(2);
    hot.stop();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(hot.active).toBe(false);
  });

  it('does nothing with a zero budget', () => {
    const hot = new HotPoll(0);
    hot.start();
    expect(hot.active).toBe(false);
  });
});
