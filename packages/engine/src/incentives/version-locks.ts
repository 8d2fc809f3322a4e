// A plan version that paid an approved, paid or closed period is history: statements and
// payouts cite it. Saving a plan may add versions and end the current one, never rewrite or
// remove a version that such a period used, nor start a new one inside such a period — the
// change belongs in a version from a later date (and an earlier correction in an adjustment).
import type { LintIssue } from './linter.ts';
import { periodEnd, periodStart, type FiscalCalendar } from './periods.ts';
import type { IncentivePlanDoc, PlanVersionDef } from './types.ts';

const LOCKED = new Set(['approved', 'paid', 'closed']);

interface Locked {
  period: string;
  start: string;
  end: string;
}

/** A version's content in a key order that does not matter, without its end date (which may move). */
function body(v: PlanVersionDef): string {
  const { effectiveTo: _to, ...rest } = v;
  return JSON.stringify(rest, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** Issues for changes to versions that locked periods used (none for a new plan). */
export function versionLockIssues(before: IncentivePlanDoc | undefined, next: IncentivePlanDoc, periods: ReadonlyArray<{ period: string; status: string }>, cal: FiscalCalendar): LintIssue[] {
  const locked: Locked[] = periods.filter((p) => LOCKED.has(p.status)).map((p) => ({ period: p.period, start: periodStart(p.period, cal), end: periodEnd(p.period, cal) }));
  if (!before || locked.length === 0) return [];
  const issues: LintIssue[] = [];
  const covers = (v: PlanVersionDef): Locked[] => locked.filter((p) => v.effectiveFrom <= p.end && (!v.effectiveTo || v.effectiveTo >= p.start));
  const lastLockedEnd = locked.reduce((max, p) => (p.end > max ? p.end : max), '');
  for (const old of before.versions) {
    const used = covers(old);
    if (used.length === 0) continue;
    const names = used.map((p) => p.period).join(', ');
    const i = next.versions.findIndex((v) => v.version === old.version);
    if (i < 0) {
      issues.push({ severity: 'error', path: '/versions', rule: 'version_locked', message: `version ${old.version} was used by ${names} (approved or later) and cannot be removed` });
      continue;
    }
    const now = next.versions[i] as PlanVersionDef;
    if (body(now) !== body(old)) {
      issues.push({
        severity: 'error',
        path: `/versions/${i}`,
        rule: 'version_locked',
        message: `version ${old.version} was used by ${names} (approved or later): add a version from a later date instead of changing it`,
      });
    }
    const usedEnd = used.reduce((max, p) => (p.end > max ? p.end : max), '');
    if ((now.effectiveTo ?? null) !== (old.effectiveTo ?? null) && now.effectiveTo && now.effectiveTo < usedEnd) {
      issues.push({ severity: 'error', path: `/versions/${i}/effectiveTo`, rule: 'version_locked', message: `version ${old.version} must stay in effect until ${usedEnd}, the end of ${names}` });
    }
  }
  next.versions.forEach((v, i) => {
    if (before.versions.some((o) => o.version === v.version)) return;
    if (v.effectiveFrom <= lastLockedEnd) {
      issues.push({ severity: 'error', path: `/versions/${i}/effectiveFrom`, rule: 'version_locked', message: `a new version must start after ${lastLockedEnd}, the end of the last approved period` });
    }
  });
  return issues;
}
