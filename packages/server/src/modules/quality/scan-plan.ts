// Which statements a scan runs: the per-record rules of each object together (one pass over its
// table), each duplicate rule alone (its own sort).
import type { RuleDoc } from './kind.ts';
import { ROW_CHECKS, rowRulesStatement } from './scan-rows.ts';
import { duplicateStatement, type RuleRun, type ScanTarget, type Sql } from './scan-sql.ts';

/** One rule's statement alone (the bench times each rule by it). */
export function ruleStatement(rule: RuleDoc, t: ScanTarget, run: RuleRun): Sql {
  return ROW_CHECKS.has(rule.check) ? rowRulesStatement(rule.object, [rule], t, run) : duplicateStatement(rule, t, run);
}

/**
 * The scan's statements. They write disjoint rows (issues and counts of different rules), so they
 * may run at once, each in its own transaction.
 */
export function scanStatements(rules: RuleDoc[], t: ScanTarget, run: RuleRun): Array<{ rules: string[]; sql: Sql }> {
  const byObject = new Map<string, RuleDoc[]>();
  const out: Array<{ rules: string[]; sql: Sql }> = [];
  for (const r of rules) {
    if (!ROW_CHECKS.has(r.check)) out.push({ rules: [r.name], sql: duplicateStatement(r, t, run) });
    else byObject.set(r.object, [...(byObject.get(r.object) ?? []), r]);
  }
  for (const [object, rs] of byObject) out.push({ rules: rs.map((r) => r.name), sql: rowRulesStatement(object, rs, t, run) });
  return out;
}
