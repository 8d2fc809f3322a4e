import type ivm from 'isolated-vm';
import { SandboxError, type SandboxErrorCode } from './errors.ts';

const MEMORY_RE = /memory limit|out of memory|array buffer allocation failed/i;
const TIMEOUT_RE = /timed out/i;
const GUEST_MEMORY_RE = /^RangeError: (?:Array buffer allocation failed|Invalid string length)/;

/** Maps an isolated-vm failure to a stable code. */
export function classifyIsolateError(error: unknown, isolate: ivm.Isolate, reason: SandboxErrorCode | null = null): SandboxError {
  if (error instanceof SandboxError) return error;
  const message = error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);
  if (reason === 'timeout') return new SandboxError('timeout', 'sandbox call exceeded its time limit');
  if (reason !== null) return new SandboxError(reason, `sandbox call stopped (${reason})`);
  if (MEMORY_RE.test(message)) return new SandboxError('memory_limit', 'sandbox call exceeded its memory limit');
  if (TIMEOUT_RE.test(message)) return new SandboxError('timeout', 'sandbox call exceeded its time limit');
  if (isolate.isDisposed) return new SandboxError('memory_limit', 'sandbox isolate was disposed (memory limit)');
  return new SandboxError('guest_error', message.length > 2000 ? `${message.slice(0, 2000)}…` : message);
}

export function tagged(result: unknown, maxOutputBytes: number): { kind: 'json'; text: string } | { kind: 'numeric'; data: Float64Array } | { kind: 'missing' } {
  if (result instanceof Float64Array) {
    if (result.byteLength > maxOutputBytes) throw new SandboxError('output_too_large', `output of ${result.byteLength} bytes exceeds the limit of ${maxOutputBytes}`);
    return { kind: 'numeric', data: result };
  }
  if (typeof result !== 'string' || result.length === 0) throw new SandboxError('guest_error', 'sandbox runtime returned an unexpected value');
  const tag = result[0];
  if (tag === 'J') {
    if (result.length - 1 > maxOutputBytes) throw new SandboxError('output_too_large', `output of ${result.length - 1} bytes exceeds the limit of ${maxOutputBytes}`);
    return { kind: 'json', text: result.slice(1) };
  }
  if (tag === 'O') throw new SandboxError('output_too_large', `output of ${result.slice(1)} bytes exceeds the limit of ${maxOutputBytes}`);
  if (tag === 'M') return { kind: 'missing' };
  if (tag === 'E') {
    const message = result.slice(1);
    // Allocation failures surface inside the guest as catchable RangeErrors.
    if (GUEST_MEMORY_RE.test(message)) throw new SandboxError('memory_limit', `sandbox call exceeded its memory limit (${message})`);
    throw new SandboxError('guest_error', message);
  }
  throw new SandboxError('guest_error', 'sandbox runtime returned an unexpected value');
}
