/**
 * Keeps an event loop polling, instead of sleeping, for a short budget after a message is sent
 * while its answer is expected. A sandbox call crosses two processes; when both block in
 * epoll_wait between messages, each hop pays the kernel's (and on a VM, the hypervisor's)
 * wake-up latency, which on an idle 2-vCPU machine was most of a ~130 µs warm call. Spinning
 * through setImmediate yields to every other callback (the loop still serves requests); it only
 * makes libuv poll with a zero timeout. The budget bounds the CPU spent when no answer comes.
 */
export class HotPoll {
  readonly #budgetMs: number;
  readonly #now: () => number;
  #until = 0;
  #spinning = false;

  /** `now` (milliseconds) is for tests, which move time themselves rather than race the scheduler. */
  constructor(budgetUs: number, now: () => number = () => performance.now()) {
    this.#budgetMs = Math.max(0, budgetUs) / 1000;
    this.#now = now;
  }

  /** True while the loop is kept polling. */
  get active(): boolean {
    return this.#spinning;
  }

  /** Polls hot for the budget from now (extends a running window). */
  start(): void {
    if (this.#budgetMs === 0) return;
    this.#until = this.#now() + this.#budgetMs;
    if (this.#spinning) return;
    this.#spinning = true;
    setImmediate(this.#tick);
  }

  /** Lets the loop sleep again (the awaited answer came). */
  stop(): void {
    this.#until = 0;
  }

  readonly #tick = (): void => {
    if (this.#now() < this.#until) setImmediate(this.#tick);
    else this.#spinning = false;
  };
}

/** Default budget: above the gap between an answer and the next call (~10–30 µs), far below a batch run. */
export const HOT_POLL_US = 100;
