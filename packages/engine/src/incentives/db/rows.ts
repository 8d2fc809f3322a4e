// Rows of the incentive tables and the one bulk-insert path (a bound JSON parameter).
import type { ModuleHandle } from '@attain/store';
import { dec, fmt } from '../decimal.ts';
import type { LineKind, LineTrace, PayoutSummary, StatementLine, Transaction } from '../types.ts';

type Knex = ModuleHandle['knex'];
type Row = Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export type ColType = 'text' | 'date' | 'numeric' | 'integer' | 'jsonb' | 'boolean';

/** Bulk insert of many rows as one bound JSON parameter (jsonb_to_recordset): no SQL text grows with the data. */
export async function insertJson(knex: Knex, table: string, rows: Row[], types: Record<string, ColType>, onConflict?: string): Promise<void> {
  const cols = Object.keys(types);
  for (let i = 0; i < rows.length; i += 20_000) {
    const part = rows.slice(i, i + 20_000);
    await knex.raw(
      `insert into ${table} (${cols.join(', ')}) select ${cols.join(', ')} from jsonb_to_recordset(?::jsonb) as x(${cols.map((c) => `${c} ${types[c]}`).join(', ')})${onConflict ? ` on conflict ${onConflict}` : ''}`,
      [JSON.stringify(part)],
    );
  }
}

export const TX_TYPES: Record<string, ColType> = {
  id: 'text',
  object: 'text',
  owner_id: 'text',
  customer_id: 'text',
  product_id: 'text',
  category: 'text',
  date: 'date',
  invoice_date: 'date',
  paid_date: 'date',
  reversal_date: 'date',
  amount: 'numeric',
  currency: 'text',
  margin: 'numeric',
  quantity: 'numeric',
  status: 'text',
  splits: 'jsonb',
};
export const LINE_TYPES: Record<string, ColType> = {
  payee_id: 'text',
  period: 'text',
  key: 'text',
  plan_id: 'text',
  plan_version: 'integer',
  component: 'text',
  kind: 'text',
  amount: 'numeric',
  points: 'numeric',
  currency: 'text',
  trace: 'jsonb',
  run_id: 'text',
};
export const PAYOUT_TYPES: Record<string, ColType> = {
  payee_id: 'text',
  period: 'text',
  plan_id: 'text',
  currency: 'text',
  earned: 'numeric',
  adjustments: 'numeric',
  draw_advance: 'numeric',
  recovery: 'numeric',
  payout: 'numeric',
  points: 'numeric',
  balance_after: 'numeric',
  run_id: 'text',
};

export function txRow(tx: Transaction): Row {
  return {
    id: tx.id,
    object: tx.object,
    owner_id: tx.ownerId,
    customer_id: tx.customerId ?? null,
    product_id: tx.productId ?? null,
    category: tx.category ?? null,
    date: tx.date,
    invoice_date: tx.invoiceDate ?? null,
    paid_date: tx.paidDate ?? null,
    reversal_date: tx.reversalDate ?? null,
    amount: tx.amount,
    currency: tx.currency,
    margin: tx.margin ?? null,
    quantity: tx.quantity ?? null,
    status: tx.status ?? null,
    splits: tx.splits ?? null,
  };
}

export function lineRow(l: StatementLine, runId: string): Row {
  return {
    payee_id: l.payeeId,
    period: l.period,
    key: l.key,
    plan_id: l.planId,
    plan_version: l.planVersion,
    component: l.component,
    kind: l.kind,
    amount: fmt(l.amount),
    points: fmt(l.points),
    currency: l.currency,
    trace: l.trace,
    run_id: runId,
  };
}

export function rowLine(r: Row): StatementLine {
  return {
    payeeId: text(r.payee_id),
    period: text(r.period),
    key: text(r.key),
    planId: text(r.plan_id),
    planVersion: Number(r.plan_version),
    component: r.component === null ? null : text(r.component),
    kind: text(r.kind) as LineKind,
    amount: dec(text(r.amount)),
    points: dec(text(r.points)),
    currency: text(r.currency),
    trace: r.trace as LineTrace,
  };
}

export function payoutRow(p: PayoutSummary, runId: string): Row {
  return {
    payee_id: p.payeeId,
    period: p.period,
    plan_id: p.planId,
    currency: p.currency,
    earned: fmt(p.earned),
    adjustments: fmt(p.adjustments),
    draw_advance: fmt(p.drawAdvance),
    recovery: fmt(p.recovery),
    payout: fmt(p.payout),
    points: fmt(p.points),
    balance_after: fmt(p.balanceAfter),
    run_id: runId,
  };
}

export function rowPayout(r: Row): PayoutSummary {
  return {
    payeeId: text(r.payee_id),
    period: text(r.period),
    planId: text(r.plan_id),
    currency: text(r.currency),
    earned: dec(text(r.earned)),
    adjustments: dec(text(r.adjustments)),
    drawAdvance: dec(text(r.draw_advance)),
    recovery: dec(text(r.recovery)),
    payout: dec(text(r.payout)),
    points: dec(text(r.points)),
    balanceAfter: dec(text(r.balance_after)),
  };
}
