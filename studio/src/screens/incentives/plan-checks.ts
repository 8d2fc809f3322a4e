// Format checks the plan meta-schema makes (exact decimals, dates, periods, currency codes) on
// the cells the designer edits. The server's linter judges the plan's logic; these catch a typo
// on its cell before the document is sent.
import type { ComponentDef, CreditFilter, CreditingRule, LintIssue, PlanDoc, PlanVersion } from './api.ts';

const DECIMAL = /^-?[0-9]{1,15}(\.[0-9]{1,10})?$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
// A month, a calendar quarter or year, or a fiscal one (FY2026-Q1, FY2026; the server checks it is the tenant's name).
const PERIOD = /^([0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?|FY[0-9]{4}(-Q[1-4])?)$/;
const API_NAME = /^[a-z][a-z0-9_]{0,62}$/;

type Say = (rule: string) => string;

function collect(say: Say) {
  const issues: LintIssue[] = [];
  const bad = (path: string, rule: string) => issues.push({ severity: 'error', path, rule, message: say(rule) });
  const decimal = (v: string | null | undefined, path: string) => v !== undefined && v !== null && !DECIMAL.test(v) && bad(path, 'decimal');
  const date = (v: string | null | undefined, path: string) => v !== undefined && v !== null && v !== '' && !DATE.test(v) && bad(path, 'date');
  const filter = (f: CreditFilter | undefined, path: string) => {
    date(f?.from, `${path}/from`);
    date(f?.to, `${path}/to`);
  };
  return { issues, bad, decimal, date, filter };
}

function checkComponent(c: ComponentDef, at: string, k: ReturnType<typeof collect>): void {
  for (const key of ['rate', 'amount', 'maxScore', 'perCredit'] as const) k.decimal(c[key], `${at}/${key}`);
  k.decimal(c.cap?.amount, `${at}/cap/amount`);
  k.decimal(c.floor?.amount, `${at}/floor/amount`);
  k.decimal(c.gate?.minAttainment, `${at}/gate/minAttainment`);
  k.decimal(c.perAmount?.every, `${at}/perAmount/every`);
  k.decimal(c.perAmount?.value, `${at}/perAmount/value`);
  k.filter(c.filter, `${at}/filter`);
}

function checkVersion(v: PlanVersion, at: string, k: ReturnType<typeof collect>): void {
  k.date(v.effectiveFrom, `${at}/effectiveFrom`);
  k.date(v.effectiveTo, `${at}/effectiveTo`);
  if (v.currency !== undefined && !/^[A-Z]{3}$/.test(v.currency)) k.bad(`${at}/currency`, 'currency');
  if (v.clawback && (!Number.isInteger(v.clawback.days) || v.clawback.days < 0 || v.clawback.days > 3660)) k.bad(`${at}/clawback/days`, 'days');
  if (v.draw) {
    k.decimal(v.draw.amount, `${at}/draw/amount`);
    if (!PERIOD.test(v.draw.from)) k.bad(`${at}/draw/from`, 'period');
    if (!PERIOD.test(v.draw.to)) k.bad(`${at}/draw/to`, 'period');
  }
  v.measures.forEach((m, i) => k.filter(m.filter, `${at}/measures/${i}/filter`));
  v.components.forEach((c, i) => checkComponent(c, `${at}/components/${i}`, k));
  (v.badges ?? []).forEach((b, i) => {
    if (!API_NAME.test(b.id)) k.bad(`${at}/badges/${i}/id`, 'apiName');
    if (!b.label.en.trim()) k.bad(`${at}/badges/${i}/label`, 'required');
    k.decimal(b.minPoints, `${at}/badges/${i}/minPoints`);
  });
}

/** Format problems of a plan, with JSON pointers into the document. */
export function checkPlanFormats(plan: PlanDoc, say: Say): LintIssue[] {
  const k = collect(say);
  plan.versions.forEach((v, i) => checkVersion(v, `/versions/${i}`, k));
  return k.issues;
}

/** Format problems of the crediting rules, with pointers into the `rules` array of the request. */
export function checkRuleFormats(rules: readonly CreditingRule[], say: Say): LintIssue[] {
  const k = collect(say);
  rules.forEach((r, i) => {
    const at = `/rules/${i}`;
    if (!API_NAME.test(r.name)) k.bad(`${at}/name`, 'apiName');
    if (!r.label.en.trim()) k.bad(`${at}/label`, 'required');
    if (!DATE.test(r.effectiveFrom)) k.bad(`${at}/effectiveFrom`, 'date');
    k.date(r.effectiveTo, `${at}/effectiveTo`);
    k.decimal(r.pct, `${at}/pct`);
    (r.levels ?? []).forEach((l, j) => k.decimal(l.pct, `${at}/levels/${j}/pct`));
    k.filter(r.when, `${at}/when`);
  });
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.name)) k.bad(`/rules/${i}/name`, 'duplicate');
    seen.add(r.name);
  });
  return k.issues;
}

/** Exact sum of decimal strings (to 10 places), for the live split total; undefined if one is not a number. */
export function sumDecimals(values: readonly string[]): string | undefined {
  const SCALE = 10n ** 10n;
  let total = 0n;
  for (const v of values) {
    const m = DECIMAL.exec(v.trim()) ? /^(-?)(\d+)(?:\.(\d+))?$/.exec(v.trim()) : null;
    if (!m) return undefined;
    const [, sign, int = '0', frac = ''] = m;
    const n = BigInt(int) * SCALE + BigInt((frac + '0'.repeat(10)).slice(0, 10));
    total += sign ? -n : n;
  }
  const neg = total < 0n;
  const abs = neg ? -total : total;
  const frac = (abs % SCALE).toString().padStart(10, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / SCALE}${frac ? `.${frac}` : ''}`;
}
