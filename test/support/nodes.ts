// Real `attain start` processes for multi-node tests: spawned with node, their URL read from the
// start banner, their output kept for a failure's message, stopped only by their own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

export interface NodeProcess {
  name: string;
  proc: ChildProcess;
  url: string;
  /** Everything the process wrote (stdout and stderr), for diagnostics. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts `attain start` and resolves once it listens (the banner names its URL). */
export function startNode(name: string, env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 240_000): Promise<NodeProcess> {
  const proc = spawn(process.execPath, [MAIN, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += String(chunk);
      const m = /Attain is running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ name, proc, url: m[1].replace('localhost', '127.0.0.1'), output: () => out, exited });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (chunk: Buffer) => (out += String(chunk)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${out.slice(-3000)}`));
    });
  });
}

export interface Http {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field in assertions
  body: any;
  headers: Headers;
}

/** One JSON call; a network failure (a killed node) throws. */
export async function call(url: string, method: string, path: string, token?: string, body?: unknown): Promise<Http> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the failure message
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
