// Forecast periods and categories. A period is a fiscal quarter (`2026-Q2`, `FY2026-Q1`) or a month
// (`2026-05`) in the tenant calendar; its days come from the calendar (fiscal.ts), never computed here.
import { addMonths, canonicalKeyIssue, monthsOfKey, type TenantCalendar } from '@attain/engine';
import type { EnumOption, FieldDef } from '@attain/meta';
import { calendar } from '@attain/store';
import { badRequest } from '../../http/errors.ts';

export const CATEGORIES = ['pipeline', 'best_case', 'commit', 'closed'] as const;
export type Category = (typeof CATEGORIES)[number];
/** A stage mapped to `omitted` is left out of every category (closed lost by default). */
export type CategoryOrOmitted = Category | 'omitted';

/** The default map from the core opportunity stages; a tenant overrides it in the forecast settings. */
export const DEFAULT_STAGE_MAP: Readonly<Record<string, CategoryOrOmitted>> = {
  prospecting: 'pipeline',
  qualification: 'pipeline',
  proposal: 'best_case',
  negotiation: 'commit',
  closed_won: 'closed',
  closed_lost: 'omitted',
};

export const PERIOD_PATTERN = '^(FY)?\\d{4}-Q[1-4]$|^\\d{4}-(0[1-9]|1[0-2])$';

export interface ForecastPeriod {
  key: string;
  months: string[];
  /** Inclusive days, YYYY-MM-DD. */
  from: string;
  to: string;
}

const lastDayOf = (month: string): string => calendar.addDays(`${addMonths(month, 1)}-01`, -1);

export function periodOfMonths(key: string, months: string[]): ForecastPeriod {
  return { key, months, from: `${months[0]}-01`, to: lastDayOf(months[months.length - 1] as string) };
}

/** A period key checked against the tenant's calendar: a quarter must carry the tenant's own name (`FY` or not). */
export function parsePeriod(key: string, cal: TenantCalendar, path = '/period'): ForecastPeriod {
  const months = new RegExp(PERIOD_PATTERN).test(key) ? monthsOfKey(key, cal) : undefined;
  if (!months) throw badRequest('invalid_period', `"${key}" is not a quarter (2026-Q2) or a month (2026-05)`, [{ path, rule: 'format', message: 'a quarter like 2026-Q2 or a month like 2026-05' }]);
  const issue = canonicalKeyIssue(key, cal);
  if (issue) throw badRequest('invalid_period', issue, [{ path, rule: 'fiscal_name', message: issue }]);
  return periodOfMonths(key, months);
}

/** The same kind of period `n` periods later (quarters move by 3 months, months by 1). */
export function shiftPeriod(p: ForecastPeriod, n: number, keyOf: (month: string) => string): ForecastPeriod {
  const months = p.months.map((m) => addMonths(m, n * p.months.length));
  return periodOfMonths(keyOf(months[0] as string), months);
}

export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/** What the stage field says about each stage: its probability and whether it is closed or won. */
export interface StageInfo {
  probability: number | undefined;
  closed: boolean;
  won: boolean;
}

export function stageInfo(field: FieldDef | undefined): Map<string, StageInfo> {
  const out = new Map<string, StageInfo>();
  const options: EnumOption[] = field?.options ?? (field?.enumValues ?? []).map((value) => ({ value }));
  for (const o of options) {
    // Without flags, the core names say it: closed_won is won, closed_lost is closed.
    const won = o.won ?? o.value === 'closed_won';
    const closed = o.closed ?? (won || o.value === 'closed_lost');
    out.set(o.value, { probability: o.probability, closed, won });
  }
  return out;
}

/** The category of one opportunity: its own `forecast_category` when set and valid, else its stage's in the map. */
export function categoryOf(stage: string | null, explicit: string | null, map: Readonly<Record<string, CategoryOrOmitted>>): CategoryOrOmitted {
  if (explicit && ((CATEGORIES as readonly string[]).includes(explicit) || explicit === 'omitted')) return explicit as CategoryOrOmitted;
  if (stage === null) return 'pipeline';
  return map[stage] ?? DEFAULT_STAGE_MAP[stage] ?? 'pipeline';
}
