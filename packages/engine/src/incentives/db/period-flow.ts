// The life of an incentive period, and what one run reports.

export type PeriodStatus = 'open' | 'calculated' | 'approved' | 'paid' | 'closed';
export const PERIOD_FLOW: readonly PeriodStatus[] = ['open', 'calculated', 'approved', 'paid', 'closed'];
/** Statuses whose lines and payouts are kept as they are: recalculation leaves them alone. */
export const FROZEN: readonly PeriodStatus[] = ['approved', 'paid', 'closed'];

export interface RunStats {
  runId: string;
  payees: number;
  periods: string[];
  lines: number;
  ms: { crediting: number; measures: number; components: number; payouts: number; total: number };
}
