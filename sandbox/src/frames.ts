/**
 * Length-prefixed frames over a raw pipe: a JSON header plus optional Float64Array payloads
 * sent as raw bytes. Node's IPC channel costs ~4x more for 8 MB of numbers (it serializes
 * through v8 and splits into messages), so bulk data never goes through it.
 *
 * Layout: u32 headerBytes | u32 textBytes | u32 binCount | binCount × u32 binBytes
 *         | header | text | pad to 8 | bins
 * `text` carries bulk strings (JSON columns, JSON results) as raw UTF-8, so they are not
 * escaped again inside the header.
 */
export type Header = Record<string, unknown>;

export interface Frame {
  header: Header;
  text: string;
  bins: Float64Array[];
}

export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

export function encodeFrame(header: Header, text = '', bins: readonly Float64Array[] = []): Buffer[] {
  const json = JSON.stringify(header);
  const headerBytes = Buffer.byteLength(json);
  const textBytes = text.length === 0 ? 0 : Buffer.byteLength(text);
  const prefix = 12 + 4 * bins.length;
  if (prefix + headerBytes + textBytes > MAX_FRAME_BYTES) throw new Error('frame: too large');
  const head = Buffer.allocUnsafe(pad8(prefix + headerBytes + textBytes));
  head.writeUInt32LE(headerBytes, 0);
  head.writeUInt32LE(textBytes, 4);
  head.writeUInt32LE(bins.length, 8);
  bins.forEach((bin, i) => head.writeUInt32LE(bin.byteLength, 12 + 4 * i));
  head.write(json, prefix, 'utf8');
  if (textBytes > 0) head.write(text, prefix + headerBytes, 'utf8');
  head.fill(0, prefix + headerBytes + textBytes);
  if (bins.length === 0) return [head];
  const out: Buffer[] = [head];
  for (const bin of bins) out.push(Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength));
  return out;
}

/** Reassembles frames from stream chunks; big frames are copied once into one aligned buffer. */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** A large frame being filled in place. */
  #big: { buf: Buffer; filled: number } | null = null;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let rest: Buffer | null = chunk;
    while (rest !== null && rest.length > 0) {
      if (this.#big) {
        const { buf } = this.#big;
        const take = Math.min(buf.length - this.#big.filled, rest.length);
        rest.copy(buf, this.#big.filled, 0, take);
        this.#big.filled += take;
        rest = take < rest.length ? rest.subarray(take) : null;
        if (this.#big.filled === buf.length) {
          this.#big = null;
          frames.push(parseFrame(buf));
        }
        continue;
      }
      this.#chunks.push(rest);
      this.#buffered += rest.length;
      rest = null;
      const pending = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
      const total = frameLength(pending);
      if (total < 0) {
        this.#chunks = [pending];
        break;
      }
      if (pending.length >= total) {
        frames.push(parseFrame(pending.subarray(0, total)));
        this.#chunks = [];
        this.#buffered = 0;
        rest = pending.length > total ? pending.subarray(total) : null;
      } else if (total > 65536) {
        const buf = Buffer.allocUnsafeSlow(total);
        pending.copy(buf, 0);
        this.#big = { buf, filled: pending.length };
        this.#chunks = [];
        this.#buffered = 0;
      } else {
        this.#chunks = [pending];
      }
    }
    return frames;
  }
}

/** Total frame bytes, or -1 while the length prefix is incomplete. */
function frameLength(buf: Buffer): number {
  if (buf.length < 12) return -1;
  const headerBytes = buf.readUInt32LE(0);
  const textBytes = buf.readUInt32LE(4);
  const binCount = buf.readUInt32LE(8);
  const prefix = 12 + 4 * binCount;
  if (binCount > 4096) throw new Error('frame: too many payloads');
  if (buf.length < prefix) return -1;
  let total = pad8(prefix + headerBytes + textBytes);
  for (let i = 0; i < binCount; i++) total += pad8(buf.readUInt32LE(12 + 4 * i));
  if (total > MAX_FRAME_BYTES) throw new Error('frame: too large');
  return total;
}

function parseFrame(buf: Buffer): Frame {
  const headerBytes = buf.readUInt32LE(0);
  const textBytes = buf.readUInt32LE(4);
  const binCount = buf.readUInt32LE(8);
  const prefix = 12 + 4 * binCount;
  const header = JSON.parse(buf.toString('utf8', prefix, prefix + headerBytes)) as unknown;
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('frame: bad header');
  const text = textBytes === 0 ? '' : buf.toString('utf8', prefix + headerBytes, prefix + headerBytes + textBytes);
  const bins: Float64Array[] = [];
  let offset = pad8(prefix + headerBytes + textBytes);
  for (let i = 0; i < binCount; i++) {
    const bytes = buf.readUInt32LE(12 + 4 * i);
    const start = buf.byteOffset + offset;
    if (start % 8 === 0 && bytes % 8 === 0) {
      bins.push(new Float64Array(buf.buffer, start, bytes / 8));
    } else {
      // Pooled small buffers may be misaligned; copying a small payload is cheap.
      const copy = new Float64Array(Math.floor(bytes / 8));
      new Uint8Array(copy.buffer).set(buf.subarray(offset, offset + copy.byteLength));
      bins.push(copy);
    }
    offset += pad8(bytes);
  }
  return { header: header as Header, text, bins };
}
