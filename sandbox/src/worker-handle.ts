import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SandboxError, type SandboxErrorCode } from './errors.ts';
import { encodeFrame, FrameReader, type Frame, type Header } from './frames.ts';
import type { IsolateHostOptions } from './isolate-host.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
const PAGE = 4096;

export interface PendingCall {
  id: number;
  kind: 'batch' | 'hook';
  wallMs: number;
  onFrame: (frame: Frame) => void;
  onFail: (error: SandboxError, bystander: boolean) => void;
}

export interface WorkerHandleOptions {
  heapMb: number;
  isolateHost: IsolateHostOptions;
  onExit: (handle: WorkerHandle) => void;
  onHostCall: (handle: WorkerHandle, frame: Frame) => void;
  /** The worker's own hot-poll budget after each answer (µs; 0: off). */
  hotPollUs: number;
  /** Told when a call is sent and when this worker has none left in flight. */
  hotPoll?: { start(): void; idle(): void };
}

/** One forked worker process and the calls it has in flight. */
export class WorkerHandle {
  readonly child: ChildProcess;
  readonly pending = new Map<number, PendingCall>();
  /** Function keys this worker has been sent (an approximation of its cache; misses are repaired). */
  readonly known = new Set<string>();
  readonly ready: Promise<void>;
  /** Last time the worker showed progress (a reply, or the first call after idling). */
  lastProgress = Date.now();
  alive = true;
  readonly spawnedAt = Date.now();
  #isReady: boolean;
  #killReason: { code: SandboxErrorCode; message: string } | null = null;
  readonly #socket: Socket;
  readonly #reader = new FrameReader();
  readonly #options: WorkerHandleOptions;

  constructor(options: WorkerHandleOptions) {
    this.#options = options;
    this.child = fork(WORKER_ENTRY, [JSON.stringify(options.isolateHost), String(options.hotPollUs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'ipc'],
      execArgv: [`--max-old-space-size=${options.heapMb}`],
      serialization: 'json',
    });
    this.child.unref();
    this.child.channel?.unref();
    const socket = this.child.stdio[3];
    if (!socket) throw new SandboxError('worker_crashed', 'sandbox worker has no channel');
    this.#socket = socket as Socket;
    // Referenced until the worker is ready (so awaiting ready() keeps the process alive), then
    // only while calls are in flight: an idle pool never holds the host process open.
    this.#isReady = false;
    let markReady: () => void = () => {};
    this.ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    this.#socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.#reader.push(chunk);
      } catch {
        this.kill('worker_crashed', 'sandbox worker sent a corrupt frame');
        return;
      }
      for (const frame of frames) {
        const op = frame.header.op;
        if (op === 'ready') {
          this.#isReady = true;
          this.lastProgress = Date.now();
          if (this.pending.size === 0) this.#socket.unref();
          markReady();
        } else if (op === 'hc') options.onHostCall(this, frame);
        else this.#complete(frame);
      }
    });
    this.#socket.on('error', () => {});
    this.child.on('error', () => this.kill('worker_crashed', 'sandbox worker failed to start'));
    this.child.on('exit', (code, signal) => this.#exited(code, signal, markReady));
  }

  /** True once the worker has started and announced itself. */
  get started(): boolean {
    return this.#isReady;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(call: PendingCall | null, header: Header, text = '', bins: Float64Array[] = []): void {
    if (call) {
      if (this.pending.size === 0) {
        this.lastProgress = Date.now();
        this.#socket.ref();
      }
      this.pending.set(call.id, call);
      this.#options.hotPoll?.start();
    }
    if (!this.alive) return;
    const buffers = encodeFrame(header, text, bins);
    if (buffers.length === 1) {
      this.#socket.write(buffers[0]!);
      return;
    }
    this.#socket.cork();
    for (const b of buffers) this.#socket.write(b);
    this.#socket.uncork();
  }

  #complete(frame: Frame): void {
    const id = Number(frame.header.id);
    const call = this.pending.get(id);
    this.lastProgress = Date.now();
    if (!call) return;
    if (frame.header.op !== 'need') this.#forget(id);
    call.onFrame(frame);
  }

  #forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) {
      if (this.#isReady) this.#socket.unref();
      this.#options.hotPoll?.idle();
    }
  }

  /** Detaches a call the pool will resend (the 'need' round trip). */
  detach(id: number): void {
    this.#forget(id);
  }

  /** Resident set size in MB (Linux), or null when unknown. */
  rssMb(): number | null {
    if (!this.alive || this.child.pid === undefined) return null;
    try {
      const statm = readFileSync(`/proc/${this.child.pid}/statm`, 'utf8');
      const pages = Number(statm.split(' ')[1]);
      return Number.isFinite(pages) ? (pages * PAGE) / (1024 * 1024) : null;
    } catch {
      return null;
    }
  }

  /** Kills the process; the oldest call gets `code`, the others fail or are retried. */
  kill(code: SandboxErrorCode, message: string): void {
    if (!this.alive) return;
    this.#killReason ??= { code, message };
    this.child.kill('SIGKILL');
  }

  /** Graceful stop: closing the channel makes the worker exit on its own. */
  end(): void {
    this.#socket.end();
  }

  #exited(code: number | null, signal: NodeJS.Signals | null, markReady: () => void): void {
    if (!this.alive) return;
    this.alive = false;
    markReady();
    const calls = [...this.pending.values()];
    this.pending.clear();
    this.#socket.unref();
    // Replace the worker first, so that retried calls have somewhere to go.
    this.#options.onExit(this);
    const reason = this.#killReason;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    // Batches run one at a time in a worker, so only the oldest one was executing.
    const culprit = calls.find((c) => c.kind === 'batch') ?? calls[0];
    for (const call of calls) {
      if (call === culprit && reason) {
        call.onFail(new SandboxError(reason.code, reason.message), false);
      } else {
        const bystander = call.kind === 'batch' && call !== culprit;
        call.onFail(new SandboxError('worker_crashed', `sandbox worker stopped (${how}) while the call was in flight`), bystander);
      }
    }
  }
}
