import { SandboxError } from './errors.ts';

export type ColumnValues = readonly unknown[] | Float64Array;
export type Columns = Record<string, ColumnValues>;

export interface EncodedColumns {
  /** JSON object of the columns that travel as text ('' when none). */
  json: string;
  /** Names of the columns that travel as raw float64, in the order of `bins`. */
  names: string[];
  bins: Float64Array[];
}

/** Shorter numeric columns go as JSON: for tiny calls a typed payload costs more than it saves. */
export const TYPED_MIN_ROWS = 256;

/**
 * Splits columns into one JSON text and raw float64 payloads. An array column travels as
 * float64 when every value is a finite number (then the guest sees a Float64Array; indexing and
 * `length` behave the same). Caller-supplied Float64Arrays are copied, so the caller may reuse them.
 */
export function encodeColumns(columns: unknown, typedMinRows: number = TYPED_MIN_ROWS): EncodedColumns {
  const split = splitColumns(columns, typedMinRows, true);
  return { json: split.text === null ? '' : JSON.stringify(split.text), names: split.names, bins: split.bins };
}

export interface SplitColumns {
  /** Columns that travel as JSON text, not yet serialised (so they can be cut into row ranges). */
  text: Record<string, readonly unknown[]> | null;
  names: string[];
  bins: Float64Array[];
}

/**
 * encodeColumns without the JSON step. `copyTyped: false` keeps caller-supplied Float64Arrays
 * as they are: only for callers that consume them synchronously (the shm transport writes them
 * to a file before returning).
 */
export function splitColumns(columns: unknown, typedMinRows: number = TYPED_MIN_ROWS, copyTyped = true): SplitColumns {
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) {
    throw new SandboxError('invalid_request', 'columns must be an object of arrays');
  }
  const names: string[] = [];
  const bins: Float64Array[] = [];
  let text: Record<string, readonly unknown[]> | null = null;
  for (const name of Object.keys(columns)) {
    if (name === '__proto__') throw new SandboxError('invalid_request', 'column name "__proto__" is not allowed');
    const values = (columns as Record<string, unknown>)[name];
    if (values instanceof Float64Array) {
      names.push(name);
      bins.push(copyTyped ? values.slice() : values);
      continue;
    }
    if (!Array.isArray(values)) throw new SandboxError('invalid_request', `column "${name}" must be an array`);
    const packed = values.length >= typedMinRows ? packNumbers(values) : null;
    if (packed) {
      names.push(name);
      bins.push(packed);
    } else {
      text ??= {};
      text[name] = values;
    }
  }
  return { text, names, bins };
}

/** The JSON text of rows [start, end) of text columns ('' when there are none). */
export function sliceJson(text: Record<string, readonly unknown[]> | null, start: number, end: number, whole: boolean): string {
  if (text === null) return '';
  if (whole) return JSON.stringify(text);
  const part: Record<string, readonly unknown[]> = {};
  for (const name of Object.keys(text)) part[name] = text[name]!.slice(start, end);
  return JSON.stringify(part);
}

function packNumbers(values: readonly unknown[]): Float64Array | null {
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || v - v !== 0) return null;
    out[i] = v;
  }
  return out;
}

/** The guest result as a plain JSON array (numeric results arrive as float64). */
export function decodeNumeric(data: Float64Array, rowCount: number): number[] {
  if (data.length !== rowCount) throw new SandboxError('guest_error', `result has length ${data.length}, expected ${rowCount}`);
  const out = new Array<number>(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = data[i]!;
  return out;
}

export function decodeJsonArray(text: string, rowCount: number): unknown[] {
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value)) throw new SandboxError('guest_error', 'result is not an array');
  if (value.length !== rowCount) throw new SandboxError('guest_error', `result has length ${value.length}, expected ${rowCount}`);
  return value;
}
