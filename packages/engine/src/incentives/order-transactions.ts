// An order record as transactions: one per live order line (its amount, product, category,
// quantity and margin), or one from the header when the order has no lines. Every transaction of
// an order carries the order's owner, customer, dates, status, currency, reversal and split rows.
import type { Transaction } from './types.ts';

/** An order header as read from its record; decimals and dates as text. */
export interface OrderRecord {
  id: string;
  ownerId: string | null;
  customerId: string | null;
  /** The order date, else the day the record was created. */
  date: string;
  status: string | null;
  amount: string | null;
  currency: string | null;
  paidDate: string | null;
  /** Dates the user stated on the order (invoice_date, reversal_date of a refund or cancellation). */
  invoiceDate?: string | null;
  reversalDate?: string | null;
}

/** A live order line with its product's category and margin (amount − quantity × unit cost, when the cost is known). */
export interface OrderLineRecord {
  id: string;
  productId: string | null;
  category: string | null;
  quantity: string | null;
  amount: string | null;
  margin: string | null;
}

export interface OrderSplitRecord {
  payeeId: string;
  pct: string;
  overlay: boolean;
}

/** What the engine already holds for the order: reversal dates stay as first seen; splits loaded through the API are kept. */
export interface OrderExisting {
  reversalDate: string | null;
  /** The invoice and payment days first seen for the order, when the user stated none. */
  invoiceDate?: string | null;
  paidDate?: string | null;
  /** Splits of the header transaction loaded through the API (not mapped from split rows). */
  apiSplits: Transaction['splits'] | null;
}

/** A mapped transaction and where it came from. */
export interface MappedTransaction {
  tx: Transaction;
  recordId: string;
  lineId: string | null;
  mappedSplits: boolean;
}

/** Stable transaction id of an order line. */
export const lineTxId = (orderId: string, lineId: string): string => `${orderId}:${lineId}`;

const REVERSED = new Set(['refunded', 'cancelled']);
const INVOICED = new Set(['invoiced', 'paid']);

/**
 * Dates a transaction is paid, clawed back and invoiced by: the ones the user stated on the order
 * win (a refund entered today that happened in March is dated in March, inside or outside the
 * clawback window by that date); otherwise `today`, the day the status is first seen, kept as first
 * seen so a replayed event does not move it.
 */
export function orderTransactions(
  order: OrderRecord,
  lines: readonly OrderLineRecord[],
  splits: readonly OrderSplitRecord[],
  existing: OrderExisting,
  today: string,
  baseCurrency: string,
): MappedTransaction[] {
  const status = order.status ?? '';
  const reversal = REVERSED.has(status) ? (order.reversalDate ?? existing.reversalDate ?? today) : null;
  const invoiceDate = order.invoiceDate ?? (INVOICED.has(status) ? (existing.invoiceDate ?? today) : null);
  const paidDate = order.paidDate ?? (status === 'paid' ? (existing.paidDate ?? today) : null);
  const fromRows = splits.length > 0;
  const split = fromRows ? splits.map((s) => ({ payeeId: s.payeeId, pct: s.pct, ...(s.overlay ? { overlay: true } : {}) })) : existing.apiSplits;
  const head: Omit<Transaction, 'id' | 'amount'> = {
    object: 'order',
    ownerId: order.ownerId,
    customerId: order.customerId,
    date: order.date,
    invoiceDate,
    paidDate,
    currency: order.currency ?? baseCurrency,
    status,
    reversalDate: reversal,
    ...(split?.length ? { splits: split } : {}),
  };
  if (!lines.length) return [{ tx: { ...head, id: order.id, amount: order.amount ?? '0' }, recordId: order.id, lineId: null, mappedSplits: fromRows }];
  return lines.map((l) => ({
    tx: { ...head, id: lineTxId(order.id, l.id), amount: l.amount ?? '0', productId: l.productId, category: l.category, quantity: l.quantity, margin: l.margin },
    recordId: order.id,
    lineId: l.id,
    mappedSplits: fromRows,
  }));
}
