// Exchange rates: from, to, rate, effective_from — entered through the fx module's rate service
// (its own checks, audit and transaction), after which the incentive engine recredits what the
// rates touch, as `POST /fx/rates/import` does. Finance and admins.
import { checkRate, FxRateService, IncentiveEngine } from '@attain/engine';
import type { ErrorDetail } from '../../../http/errors.ts';
import { seesAll } from '../../../rest/incentive-access.ts';
import type { ImportKind, TypedRow } from '../kind.ts';
import { ImportRefusal } from '../refusal.ts';

const input = (r: TypedRow) => ({
  ...(r.values.from !== null ? { from: r.values.from } : {}),
  ...(r.values.to !== null ? { to: r.values.to } : {}),
  ...(r.values.rate !== null ? { rate: r.values.rate } : {}),
  ...(r.values.effective_from !== null ? { effectiveFrom: r.values.effective_from } : {}),
});

/** The rate service names `effectiveFrom`; the file's column is `effective_from`. */
const fileField = (d: ErrorDetail): ErrorDetail => ({ ...d, path: d.path.replace(/\/effectiveFrom$/, '/effective_from') });

export const ratesKind: ImportKind = {
  name: 'rates',
  label: { en: 'Exchange rates', 'zh-CN': '汇率' },
  who: 'finance or an admin',
  allowed: seesAll,
  columns: [
    { field: 'from', type: 'currency', required: true, label: { en: 'From currency', 'zh-CN': '原币种' }, aliases: ['from_currency'] },
    { field: 'to', type: 'currency', required: true, label: { en: 'To currency', 'zh-CN': '目标币种' }, aliases: ['to_currency'] },
    { field: 'rate', type: 'decimal', required: true, label: { en: 'Rate', 'zh-CN': '汇率' } },
    { field: 'effective_from', type: 'date', required: true, label: { en: 'Effective from', 'zh-CN': '生效日期' }, aliases: ['date', 'effectivefrom'] },
  ],
  async check(rows) {
    const details: ErrorDetail[] = [];
    const seen = new Map<string, number>();
    for (const r of rows) {
      const { rate, details: d } = checkRate(input(r), `/rows/${r.row}`);
      details.push(...d.map(fileField));
      if (!rate) continue;
      const key = `${rate.from}/${rate.to}/${rate.effectiveFrom}`;
      const first = seen.get(key);
      if (first !== undefined)
        details.push({ path: `/rows/${r.row}/effective_from`, rule: 'unique', message: `repeats the ${rate.from}→${rate.to} rate of ${rate.effectiveFrom} given in row ${first}` });
      else seen.set(key, r.row);
    }
    if (details.length) throw new ImportRefusal(details);
  },
  async apply(rows, { store, access }) {
    const fx = new FxRateService(store as never, access.tenantName);
    try {
      const change = await fx.importRows(
        rows.map((r) => ({ row: r.row, values: input(r) })),
        access.actor,
      );
      await new IncentiveEngine(store as never, access.tenantName).onRatesChanged(change);
    } catch (error) {
      const e = error as { details?: ErrorDetail[] };
      if (Array.isArray(e.details)) e.details.splice(0, e.details.length, ...e.details.map(fileField));
      throw error;
    }
  },
};
