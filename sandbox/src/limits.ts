/** Per-call limits. A call may tighten the pool's limits, never loosen them. */
export interface SandboxLimits {
  /** Wall-clock time for the whole call, including awaited host calls. */
  wallMs: number;
  /** CPU time inside the isolate. Synchronous batches enforce it as wall time (cpu <= wall). */
  cpuMs: number;
  /** isolated-vm `memoryLimit` of the isolate (a guideline; the worker RSS cap is the backstop). */
  memoryMb: number;
  /** Serialized output: JSON text length, or 8 bytes per row for numeric results. */
  maxOutputBytes: number;
  /** Host-function calls a single hook invocation may make. */
  maxHostCalls: number;
}

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: 5_000,
  cpuMs: 5_000,
  memoryMb: 128,
  maxOutputBytes: 32 * 1024 * 1024,
  maxHostCalls: 1_000,
});

const MIN: SandboxLimits = { wallMs: 1, cpuMs: 1, memoryMb: 8, maxOutputBytes: 2, maxHostCalls: 0 };

function positive(value: unknown, fallback: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.floor(value));
}

/** Fills missing fields from `base` and sanitises numbers. */
export function resolveLimits(partial: Partial<SandboxLimits> | undefined, base: SandboxLimits = DEFAULT_LIMITS): SandboxLimits {
  const p = partial ?? {};
  return {
    wallMs: positive(p.wallMs, base.wallMs, MIN.wallMs),
    cpuMs: positive(p.cpuMs, base.cpuMs, MIN.cpuMs),
    memoryMb: positive(p.memoryMb, base.memoryMb, MIN.memoryMb),
    maxOutputBytes: positive(p.maxOutputBytes, base.maxOutputBytes, MIN.maxOutputBytes),
    maxHostCalls: positive(p.maxHostCalls, base.maxHostCalls, MIN.maxHostCalls),
  };
}

/** Per-call limits bounded by the pool's ceiling. */
export function tighten(ceiling: SandboxLimits, requested: Partial<SandboxLimits> | undefined): SandboxLimits {
  if (!requested) return ceiling;
  const r = resolveLimits(requested, ceiling);
  return {
    wallMs: Math.min(r.wallMs, ceiling.wallMs),
    cpuMs: Math.min(r.cpuMs, ceiling.cpuMs),
    memoryMb: Math.min(r.memoryMb, ceiling.memoryMb),
    maxOutputBytes: Math.min(r.maxOutputBytes, ceiling.maxOutputBytes),
    maxHostCalls: Math.min(r.maxHostCalls, ceiling.maxHostCalls),
  };
}
