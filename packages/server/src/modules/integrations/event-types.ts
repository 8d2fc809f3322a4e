// The inbound event types, declared as data: what each names (a record found by its external id),
// which `data` properties it carries and which fields of the record it writes. Adding a type is an
// entry here, not code; the processor (inbound.ts) reads only this table.
import type { ErrorDetail } from '../../http/errors.ts';

export type DataType = 'string' | 'date';

export interface EventType {
  type: string;
  description: string;
  /** The object whose record the event changes. */
  object: string;
  /** The `data` property holding the record's `external_id`. */
  key: string;
  /** The `data` properties: type and whether required. */
  data: Record<string, { type: DataType; required?: boolean }>;
  /** Fields written: from a `data` property, or a fixed value (null clears). */
  set: Record<string, { from: string } | { value: string | null }>;
}

export const EVENT_TYPES: readonly EventType[] = [
  {
    type: 'invoice.paid',
    description: "The order's invoice was paid: sets its payment date (commission paid on payment follows it) and status paid.",
    object: 'order',
    key: 'order_external_id',
    data: { order_external_id: { type: 'string', required: true }, paid_date: { type: 'date', required: true }, invoice_number: { type: 'string' } },
    set: { paid_date: { from: 'paid_date' }, status: { value: 'paid' } },
  },
  {
    type: 'invoice.voided',
    description: "The order's invoice was voided: clears its payment date and sets it back to booked.",
    object: 'order',
    key: 'order_external_id',
    data: { order_external_id: { type: 'string', required: true }, invoice_number: { type: 'string' } },
    set: { paid_date: { value: null }, status: { value: 'booked' } },
  },
  {
    type: 'order.cancelled',
    description: 'The order was cancelled: status cancelled, its cancellation date (clawback windows count to it).',
    object: 'order',
    key: 'order_external_id',
    data: { order_external_id: { type: 'string', required: true }, cancelled_date: { type: 'date', required: true } },
    set: { status: { value: 'cancelled' }, reversal_date: { from: 'cancelled_date' } },
  },
];

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function realDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The problems of an event's `data` against its type (paths inside the event body). */
export function dataProblems(def: EventType, data: Record<string, unknown>): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const [name, spec] of Object.entries(def.data)) {
    const v = data[name];
    const path = `/data/${name}`;
    if (v === undefined || v === null || v === '') {
      if (spec.required) out.push({ path, rule: 'required', message: `${def.type} needs data.${name}` });
      continue;
    }
    if (typeof v !== 'string' || v.length > 255) out.push({ path, rule: 'type', message: 'must be a text of at most 255 characters' });
    else if (spec.type === 'date' && !realDate(v)) out.push({ path, rule: 'format', message: 'must be a date YYYY-MM-DD' });
  }
  return out;
}

/** The record patch an event writes. */
export function patchOf(def: EventType, data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(def.set).map(([field, s]) => [field, 'from' in s ? (data[s.from] ?? null) : s.value]));
}
