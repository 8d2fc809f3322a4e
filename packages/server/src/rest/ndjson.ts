import { ApiError } from '../http/errors.ts';
import { parseClientJson } from '../http/json.ts';
import { decodeUtf8 } from '../http/text-guard.ts';

/** A line of an NDJSON body that is not a JSON value: that row fails alone, the others go on. */
export class BadLine {
  readonly detail: ApiError;
  constructor(detail: ApiError) {
    this.detail = detail;
  }
}

/** Newline-delimited JSON (application/x-ndjson): one value per non-blank line. */
export function parseNdjson(raw: Buffer): unknown[] {
  const text = decodeUtf8(raw);
  const rows: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(parseClientJson(line, 'the line'));
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) rows.push(new BadLine(error));
      else throw error;
    }
  }
  return rows;
}
