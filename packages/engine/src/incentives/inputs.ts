// Targets and per-person inputs (quotas, MBO scores, manual KPIs) per payee, period and name, and
// targets taken from the goals module's active target-plan version when a plan asks for them.
import { isDecText } from './decimal.ts';
import type { InputValue } from './calculate.ts';
import { IncentiveError, type IncentiveEngine } from './db/engine.ts';
import { frequencyOf, periodEnd, periodIssue, periodOf, periodRange, periodStart, type FiscalCalendar } from './periods.ts';
import { CALENDAR_YEAR } from '../calendar/fiscal.ts';
import { cadenceOf, segmentsIn } from './plan-versions.ts';
import type { IncentivePlanDoc } from './types.ts';
import type { Actor } from '@attain/store';
import { goalsModule } from '../goals/module.ts';
import { INCENTIVES_MODULE } from './db/schema.ts';

type Row = Record<string, unknown>;
const NAME_RE = /^[a-z][a-z0-9_]{0,62}$/;

export interface InputIssue {
  path: string;
  rule: string;
  message: string;
}

/** Checks a batch of inputs; every problem names its cell (`/values/3/value`). */
export function checkInputs(values: unknown, cal: FiscalCalendar = CALENDAR_YEAR): { values: InputValue[]; issues: InputIssue[] } {
  if (!Array.isArray(values)) return { values: [], issues: [{ path: '/values', rule: 'type', message: 'must be an array' }] };
  const issues: InputIssue[] = [];
  const out: InputValue[] = [];
  values.forEach((raw: unknown, i) => {
    const v = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const at = `/values/${i}`;
    const before = issues.length;
    if (typeof v.payeeId !== 'string' || !v.payeeId) issues.push({ path: `${at}/payeeId`, rule: 'required', message: 'is required' });
    const periodProblem = periodIssue(v.period, cal);
    if (periodProblem) issues.push({ path: `${at}/period`, ...periodProblem });
    if (typeof v.name !== 'string' || !NAME_RE.test(v.name)) issues.push({ path: `${at}/name`, rule: 'pattern', message: 'must be a lower-case name (letters, digits, _)' });
    const value = typeof v.value === 'number' ? String(v.value) : v.value;
    if (typeof value !== 'string' || !isDecText(value)) issues.push({ path: `${at}/value`, rule: 'number', message: 'must be a decimal number with at most 10 decimal places' });
    if (issues.length === before) out.push({ payeeId: v.payeeId as string, period: v.period as string, name: v.name as string, value: (value as string).trim() });
  });
  return { values: out, issues };
}

/** Validates and upserts inputs; nothing is written when any value is bad. `by`: who puts them (audited in the same transaction). */
export async function putInputs(engine: IncentiveEngine, values: unknown, by?: Actor): Promise<InputValue[]> {
  await engine.ensure();
  const checked = checkInputs(values, engine.calendar);
  if (checked.issues.length) throw new IncentiveError(400, 'invalid_inputs', `${checked.issues.length} input value(s) are invalid`, checked.issues);
  await engine.setInputs(checked.values, by);
  return checked.values;
}

/** Inputs of a period (or all), optionally for some payees and names. */
export async function readInputs(engine: IncentiveEngine, filter: { period?: string; payees?: readonly string[]; names?: readonly string[] } = {}): Promise<InputValue[]> {
  const h = await engine.ensure();
  const where: string[] = [];
  const b: unknown[] = [];
  if (filter.period) {
    where.push('period = ?');
    b.push(filter.period);
  }
  if (filter.payees) {
    where.push('payee_id = any(?::text[])');
    b.push(filter.payees);
  }
  if (filter.names) {
    where.push('name = any(?::text[])');
    b.push(filter.names);
  }
  const rows = (
    await h.knex.raw(`select payee_id, period, name, value::text as value from ${h.name('inputs')} ${where.length ? `where ${where.join(' and ')}` : ''} order by period, payee_id, name`, b as never[])
  ).rows as Row[];
  return rows.map((r) => ({ payeeId: String(r.payee_id), period: String(r.period), name: String(r.name), value: String(r.value) }));
}

/** Target names plans measured over the period (its frequency) read from goals, with the goals plan each comes from. */
export function goalTargetNames(plans: readonly IncentivePlanDoc[], period: string, cal: FiscalCalendar = CALENDAR_YEAR): Map<string, string> {
  const out = new Map<string, string>();
  for (const plan of plans) {
    if (cadenceOf(plan).frequency !== frequencyOf(period)) continue;
    for (const { version: v } of segmentsIn(plan, periodRange(period, cal))) {
      if (v.targetSource !== 'goals') continue;
      for (const c of v.components) {
        for (const name of [c.target, c.gate?.target]) if (name) out.set(name, v.targetPlans?.[name] ?? name);
      }
    }
  }
  return out;
}

/**
 * Person targets of the goals module's active target-plan versions for the given periods, as
 * inputs named after the incentive plan's targets; a quarter's or year's target is the sum of its
 * months. Empty when the goals module is not installed in the tenant (no goals target table).
 */
export async function goalTargets(engine: IncentiveEngine, plans: readonly IncentivePlanDoc[], periods: readonly string[]): Promise<InputValue[]> {
  await engine.ensure(); // reads the tenant calendar the periods are cut by
  const port = await engine.store.port(engine.tenant, INCENTIVES_MODULE);
  // The goals module's tables, named as goals declares them (it may not be installed in this tenant).
  const target = port.foreign(goalsModule, 'target');
  const version = port.foreign(goalsModule, 'plan_version');
  if (!(await target.exists())) return [];
  const out: InputValue[] = [];
  for (const period of periods) {
    for (const [name, goalsPlan] of goalTargetNames(plans, period, engine.calendar)) {
      const rows = (
        await port.knex.raw(
          `select t.user_id::text as user_id, sum(t.amount)::text as amount
           from ${target.name} t join ${version.name} v on v.id = t.version_id
          where v.plan = ? and v.status = 'active' and t.kind = 'person' and t.user_id is not null and t.month between ?::date and ?::date
          group by t.user_id order by t.user_id`,
          [goalsPlan, periodStart(period, engine.calendar), periodEnd(period, engine.calendar)],
        )
      ).rows as Row[];
      for (const r of rows) out.push({ payeeId: String(r.user_id), period, name, value: String(r.amount) });
    }
  }
  return out;
}

/** Copies goals targets into the inputs the calculation reads (per month, and per quarter and year for plans measured over those); returns how many were copied. */
export async function syncGoalTargets(engine: IncentiveEngine, periods?: readonly string[]): Promise<number> {
  await engine.ensure();
  const cal = engine.calendar;
  const open = periods ?? (await engine.periods()).map((p) => p.period);
  const list = [...new Set(open.flatMap((p) => [p, periodOf(periodStart(p, cal), 'quarterly', cal), periodOf(periodStart(p, cal), 'annual', cal)]))];
  const values = await goalTargets(engine, await engine.plans(), list);
  if (values.length) await engine.setInputs(values);
  return values.length;
}
