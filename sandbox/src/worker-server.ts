import type { Readable, Writable } from 'node:stream';
import { SandboxError } from './errors.ts';
import { encodeFrame, FrameReader, type Frame, type Header } from './frames.ts';
import { HotPoll } from './hot-poll.ts';
import { NeedCode } from './hook-runner.ts';
import type { IsolateHost } from './isolate-host.ts';
import { resolveLimits } from './limits.ts';
import type { PluginManifest } from './manifest.ts';
import { readBins, writeBin } from './shm.ts';

/**
 * The worker side of the frame protocol.
 *   pool → worker  {op:'b'} batch (text: JSON columns, bins: float64 columns; or `si`: a shm
 *                  file holding the float64 columns of byte sizes `sb`; `so`: where to write a
 *                  numeric result, answered as {op:'ok', so: bytes}; `o:'f'`: float64 output)
 *                  {op:'h'} hook (text: input JSON; `c`, the code, only when the worker may lack
 *                  it, else answered {op:'need'})   {op:'r'} host-call reply (text: JSON)
 *   worker → pool  {op:'ready'}  {op:'ok'} (text: JSON | bins[0]: float64)  {op:'need'}
 *                  {op:'err', code, msg}  {op:'hc'} host call (text: JSON argument list)
 */
export function serveWorker(input: Readable, output: Writable, host: IsolateHost, onClose: () => void = () => {}, hotPollUs = 0): void {
  const reader = new FrameReader();
  // After an answer the pool's next message usually follows within microseconds: poll for it.
  const hot = new HotPoll(hotPollUs);
  const hostCalls = new Map<number, { resolve: (json: string) => void; reject: (error: SandboxError) => void }>();
  let nextHostCall = 1;

  const send = (header: Header, text = '', bins: Float64Array[] = []): void => {
    hot.start();
    const buffers = encodeFrame(header, text, bins);
    if (buffers.length === 1) {
      output.write(buffers[0]);
      return;
    }
    output.cork();
    for (const b of buffers) output.write(b);
    output.uncork();
  };
  const fail = (id: unknown, error: unknown): void => {
    const e = error instanceof SandboxError ? error : new SandboxError('guest_error', error instanceof Error ? error.message : String(error));
    send({ op: 'err', id, code: e.code, msg: e.message });
  };

  const handle = (frame: Frame): void => {
    const h = frame.header;
    if (h.op === 'b') {
      const shmIn = typeof h.si === 'string' ? h.si : null;
      try {
        const numeric = shmIn === null ? frame.bins : readBins(shmIn, h.sb as number[]);
        const outcome = host.runBatch({
          tenant: String(h.t),
          preludeHash: String(h.ph),
          fnKey: String(h.fk),
          memoryMb: Number(h.mm),
          timeoutMs: Number(h.to),
          maxOutputBytes: Number(h.mo),
          rowCount: Number(h.n),
          json: frame.text,
          numericNames: (h.nm as string[] | undefined) ?? [],
          numeric,
          transferBins: shmIn !== null,
          output: h.o === 'f' ? 'float64' : 'json',
          ...(typeof h.p === 'string' ? { prelude: h.p } : {}),
          ...(typeof h.s === 'string' ? { source: h.s } : {}),
        });
        // On 'need' the host resends the same header, file included.
        if (outcome.kind === 'need') send({ op: 'need', id: h.id });
        else if (outcome.kind === 'json') send({ op: 'ok', id: h.id }, outcome.text);
        else if (typeof h.so === 'string') {
          writeBin(h.so, outcome.data);
          send({ op: 'ok', id: h.id, so: outcome.data.byteLength });
        } else send({ op: 'ok', id: h.id }, '', [outcome.data]);
      } catch (error) {
        fail(h.id, error);
      }
      return;
    }
    if (h.op === 'h') {
      const id = h.id;
      const callHost = (fn: string, argsJson: string): Promise<string> =>
        new Promise<string>((resolve, reject) => {
          const hc = nextHostCall++;
          hostCalls.set(hc, { resolve, reject });
          send({ op: 'hc', id, hc, fn }, argsJson);
        });
      host
        .runHook(
          {
            tenant: String(h.t),
            pluginKey: String(h.pk),
            manifest: h.m as PluginManifest,
            ...(typeof h.c === 'string' ? { code: h.c } : {}),
            hook: String(h.hk),
            inputJson: frame.text,
            limits: resolveLimits(h.l as Record<string, number>),
          },
          callHost,
        )
        .then(
          (json) => send({ op: 'ok', id }, json),
          // The pool sends the call again, code included.
          (error: unknown) => (error instanceof NeedCode ? send({ op: 'need', id }) : fail(id, error)),
        );
      return;
    }
    if (h.op === 'r') {
      const waiter = hostCalls.get(Number(h.hc));
      if (!waiter) return;
      hostCalls.delete(Number(h.hc));
      if (typeof h.code === 'string') waiter.reject(new SandboxError(h.code === 'capability_denied' ? 'capability_denied' : 'guest_error', String(h.msg)));
      else waiter.resolve(frame.text === '' ? 'null' : frame.text);
    }
  };

  input.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch {
      // A corrupt stream cannot be resynchronised: exit and let the pool restart us.
      onClose();
      return;
    }
    for (const frame of frames) handle(frame);
  });
  input.on('end', onClose);
  input.on('error', onClose);
  send({ op: 'ready', pid: process.pid });
}
