import { randomBytes } from 'node:crypto';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let lastMs = 0;
let seq = 0;

// Random bytes drawn in blocks: one randomBytes call per id was a visible cost of bulk writes.
const POOL_BYTES = 16 * 256;
let pool = Buffer.alloc(0);
let used = POOL_BYTES;
function random(n: number): Buffer {
  if (used + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

/**
 * UUIDv7 (RFC 9562): 48-bit unix ms, then a 12-bit counter so ids made in the same millisecond
 * by this process stay ordered, then random bits. Time-ordered ids make the primary key a good
 * keyset and keep inserts at the right edge of the index.
 */
export function uuidv7(now = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    seq += 1;
    if (seq > 0xfff) {
      ms += 1;
      seq = 0;
    }
  } else {
    seq = random(2).readUInt16BE(0) & 0x3ff; // leave headroom for the counter
  }
  lastMs = ms;
  const b = random(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
