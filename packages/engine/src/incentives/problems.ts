// Calculation problems: the same wording and order whether the pure calculation or the database
// found them, so the two can be compared and finance reads one message for one cause.
import { fmt, type Dec } from './decimal.ts';
import type { CalcProblem } from './types.ts';

/** Names the pair when the target is known (the base currency): `no exchange rate from USD to CNY on or before 2027-03-05`. */
export const fxMissingMessage = (currency: string, date: string, to?: string): string =>
  to ? `no exchange rate from ${currency} to ${to} on or before ${date}` : `no exchange rate for ${currency} on or before ${date}`;

export const splitTotalMessage = (total: Dec): string => `split credits total ${fmt(total)}%, not 100%; mark extra rows as overlay`;

export const planFxMessage = (plan: { id: string; name: string }, currency: string, date: string): string =>
  `${fxMissingMessage(currency, date)}: plan "${plan.name}" pays in ${currency}, so this credit is left out of it`;

/** Identity of a problem: one per transaction, rule, plan and payee. */
export const problemKey = (p: Pick<CalcProblem, 'code' | 'txId' | 'ruleId' | 'planId' | 'payeeId'>): string => [p.code, p.txId, p.ruleId, p.planId ?? '', p.payeeId ?? ''].join('|');

/** A stable order independent of collation: code, transaction, rule, plan, payee. */
export function sortProblems(list: CalcProblem[]): CalcProblem[] {
  const key = (p: CalcProblem) => [p.code, p.txId, p.ruleId, p.planId ?? '', p.payeeId ?? ''];
  return list.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
    return 0;
  });
}
