// The computed side of a forecast, per opportunity owner, from the caller's own record service (the
// list routes' scope, so a rep's numbers cover only their records): category sums of what closes in
// the period, weighted pipeline by probability and by the owner's win rate, run-rate and seasonal
// projections. Money is exact (fixed decimals); only the final figures are rounded to the cent.
import { addMonths, fiscalKeyOf, monthsOfKey, type TenantCalendar } from '@attain/engine';
import { add, dec, div, fmt, money, mul, ZERO, type Dec } from '@attain/meta/decimal/fixed';
import { calendar, type AggregateQuery } from '@attain/store';
import type { Filter, RecordService } from '../../store-port.ts';
import { CATEGORIES, categoryOf, daysBetween, stageInfo, type Category, type CategoryOrOmitted, type ForecastPeriod, type StageInfo } from './forecast-period.ts';
import { rangeFilter, shiftRange, type DayRange } from './period.ts';

export const FORECAST_OBJECT = 'opportunity';

export interface ForecastNumbers {
  /** Amounts closing in the period, by category. */
  categories: Record<Category, string>;
  /** closed + commit, and closed + commit + best case (the cumulative roll-ups a submission is compared to). */
  commit: string;
  bestCase: string;
  /** Open amounts × their probability (the record's, else its stage's). */
  weightedPipeline: string;
  /** Won ÷ closed by count over the 12 months before the period (null: nothing closed then). */
  winRate: string | null;
  /** Open amounts × the owner's win rate (the stage probability for owners with no closed history). */
  weightedByWinRate: string;
  /** Closed won so far in the period. */
  wonToDate: string;
  runRate: string | null;
  seasonal: string | null;
}

interface Acc {
  cat: Record<Category, Dec>;
  weighted: Dec;
  /** Open amounts (stage not closed) and their weighting by probability. */
  open: Dec;
  closedCount: number;
  wonCount: number;
  won: Dec;
  lastYear: Dec;
  ytd: Dec;
  lastYtd: Dec;
}

const emptyAcc = (): Acc => ({
  cat: { pipeline: ZERO, best_case: ZERO, commit: ZERO, closed: ZERO },
  weighted: ZERO,
  open: ZERO,
  closedCount: 0,
  wonCount: 0,
  won: ZERO,
  lastYear: ZERO,
  ytd: ZERO,
  lastYtd: ZERO,
});

export interface ForecastInputs {
  service: RecordService;
  period: ForecastPeriod;
  cal: TenantCalendar;
  /** The tenant's today (YYYY-MM-DD). */
  today: string;
  stageMap: Readonly<Record<string, CategoryOrOmitted>>;
  /** Only these owners (the snapshot job asks one person at a time with a system service). */
  owners?: readonly string[];
}

export interface ForecastResult {
  byOwner: Map<string, ForecastNumbers>;
  total: ForecastNumbers;
  /** The numbers of someone with nothing in the period (a team member with no opportunity yet). */
  blank: ForecastNumbers;
}

const ratio = (a: Dec, b: Dec): Dec | null => (b === ZERO ? null : div(a, b));

export async function computeForecast(inp: ForecastInputs): Promise<ForecastResult> {
  const registry = inp.service.registry;
  const object = registry.object(FORECAST_OBJECT);
  const closeField = object?.fields.find((f) => f.name === 'close_date');
  const stages = stageInfo(object?.fields.find((f) => f.name === 'stage'));
  const hasCategory = !!object?.fields.some((f) => f.name === 'forecast_category');
  const hasProbability = !!object?.fields.some((f) => f.name === 'probability');
  const wonStages = [...stages].filter(([, s]) => s.won).map(([v]) => v);
  const storage = closeField?.storage ?? 'date';
  const ownerFilter: Filter[] = inp.owners ? [{ owner_id: { in: [...inp.owners] } }] : [];
  const inRange = (r: DayRange, won = false): Filter => ({ and: [rangeFilter('close_date', storage, r, inp.cal.timeZone) as Filter, ...ownerFilter, ...(won ? [{ stage: { in: wonStages } }] : [])] });
  const agg = (q: AggregateQuery) => inp.service.aggregate(FORECAST_OBJECT, { ...q, calendar: inp.cal, today: inp.today });
  const p = inp.period;
  const asOf = inp.today < p.to ? inp.today : p.to;
  const started = inp.today >= p.from;
  const fyStart = `${(monthsOfKey(fiscalKeyOf(asOf.slice(0, 7), 'year', inp.cal), inp.cal) as string[])[0]}-01`;
  const history: DayRange = { from: `${addMonths(p.months[0] as string, -12)}-01`, to: calendar.addDays(p.from, -1) };
  const sumWon = (r: DayRange) => agg({ filter: inRange(r, true), groups: [{ field: 'owner_id' }], measures: [{ op: 'sum', field: 'amount' }] });

  const [inPeriod, past, toDate, lastYear, ytd, lastYtd] = await Promise.all([
    agg({
      filter: inRange({ from: p.from, to: p.to }),
      groups: [{ field: 'owner_id' }, { field: 'stage' }, ...(hasCategory ? [{ field: 'forecast_category' }] : [])],
      // The amount; weighted by the record's own probability; and the amount with no probability
      // (weighted here by its stage's).
      measures: [
        { op: 'sum', field: 'amount' },
        ...(hasProbability
          ? [
              { op: 'sum' as const, formula: 'amount * COALESCE(probability, 0)' },
              { op: 'sum' as const, formula: 'IF(ISBLANK(probability), amount, 0)' },
            ]
          : []),
      ],
    }),
    agg({ filter: inRange(history), groups: [{ field: 'owner_id' }, { field: 'stage' }], measures: [{ op: 'count' }] }),
    started ? sumWon({ from: p.from, to: asOf }) : Promise.resolve({ rows: [] }),
    sumWon(shiftRange({ from: p.from, to: p.to }, -12)),
    sumWon({ from: fyStart, to: asOf }),
    sumWon(shiftRange({ from: fyStart, to: asOf }, -12)),
  ]);

  const accs = new Map<string, Acc>();
  const accOf = (owner: string | null | undefined) => {
    const key = owner ?? '';
    let a = accs.get(key);
    if (!a) accs.set(key, (a = emptyAcc()));
    return a;
  };
  const amountOf = (v: string | null | undefined) => (v === null || v === undefined ? ZERO : dec(v));
  for (const r of inPeriod.rows) {
    const [owner, stage, explicit] = [r.keys[0], r.keys[1] ?? null, hasCategory ? r.keys[2] : null];
    const a = accOf(owner);
    const amount = amountOf(r.values[0]);
    const category = categoryOf(stage, explicit ?? null, inp.stageMap);
    if (category !== 'omitted') a.cat[category] = add(a.cat[category], amount);
    const info: StageInfo | undefined = stage === null ? undefined : stages.get(stage);
    if (info?.closed) continue;
    const stageProbability = dec(info?.probability ?? 0);
    const weighted = hasProbability ? add(amountOf(r.values[1]), mul(amountOf(r.values[2]), stageProbability)) : mul(amount, stageProbability);
    a.weighted = add(a.weighted, weighted);
    a.open = add(a.open, amount);
  }
  for (const r of past.rows) {
    const info = r.keys[1] === null ? undefined : stages.get(r.keys[1] as string);
    if (!info?.closed) continue;
    const a = accOf(r.keys[0]);
    const n = Number(r.values[0] ?? 0);
    a.closedCount += n;
    if (info.won) a.wonCount += n;
  }
  for (const r of toDate.rows) accOf(r.keys[0]).won = amountOf(r.values[0]);
  for (const r of lastYear.rows) accOf(r.keys[0]).lastYear = amountOf(r.values[0]);
  for (const r of ytd.rows) accOf(r.keys[0]).ytd = amountOf(r.values[0]);
  for (const r of lastYtd.rows) accOf(r.keys[0]).lastYtd = amountOf(r.values[0]);

  const periodDays = daysBetween(p.from, p.to);
  const elapsed = started ? daysBetween(p.from, asOf) : 0;
  const numbersOf = (a: Acc, weightedByWinRate: Dec): ForecastNumbers => {
    const growth = ratio(a.ytd, a.lastYtd);
    const winRate = a.closedCount ? div(dec(a.wonCount), dec(a.closedCount)) : null;
    return {
      categories: Object.fromEntries(CATEGORIES.map((c) => [c, money(a.cat[c])])) as Record<Category, string>,
      commit: money(add(a.cat.closed, a.cat.commit)),
      bestCase: money(add(add(a.cat.closed, a.cat.commit), a.cat.best_case)),
      weightedPipeline: money(a.weighted),
      winRate: winRate === null ? null : fmt(winRate, 4),
      weightedByWinRate: money(weightedByWinRate),
      wonToDate: money(a.won),
      runRate: elapsed ? money(div(mul(a.won, dec(periodDays)), dec(elapsed))) : null,
      seasonal: growth === null ? null : money(mul(a.lastYear, growth)),
    };
  };
  // An owner with a win rate weighs all their open amounts by it; one without, by probability.
  const byWinRate = (a: Acc): Dec => (a.closedCount ? mul(a.open, div(dec(a.wonCount), dec(a.closedCount))) : a.weighted);

  const byOwner = new Map<string, ForecastNumbers>();
  const total = emptyAcc();
  let totalByWinRate = ZERO;
  for (const [owner, a] of accs) {
    const w = byWinRate(a);
    if (owner) byOwner.set(owner, numbersOf(a, w));
    totalByWinRate = add(totalByWinRate, w);
    for (const c of CATEGORIES) total.cat[c] = add(total.cat[c], a.cat[c]);
    total.weighted = add(total.weighted, a.weighted);
    total.closedCount += a.closedCount;
    total.wonCount += a.wonCount;
    total.won = add(total.won, a.won);
    total.lastYear = add(total.lastYear, a.lastYear);
    total.ytd = add(total.ytd, a.ytd);
    total.lastYtd = add(total.lastYtd, a.lastYtd);
  }
  return { byOwner, total: numbersOf(total, totalByWinRate), blank: numbersOf(emptyAcc(), ZERO) };
}

export const sumMoney = (values: readonly string[]): string => money(values.reduce((s, v) => add(s, dec(v)), ZERO));
