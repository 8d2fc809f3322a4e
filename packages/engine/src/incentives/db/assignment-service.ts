// Who is on which plan: named assignments (plans, territories, specialists), plans given by role
// (optionally within an org subtree), and who held which role when. Rows given by roles are derived
// (`via`) and rebuilt whenever a named assignment, a role assignment or a holding changes.
import type { Actor } from '@attain/store';
import { today as localToday } from '../../calendar/calendar.ts';
import { lintPlan, type LintIssue } from '../linter.ts';
import { checkRoleAssignments, observeRoles } from '../roles.ts';
import type { Assignment, RoleAssignment, RoleHolding } from '../types.ts';
import { assignmentRows, listSummary } from './audit-notes.ts';
import type { IncentiveEngine } from './engine.ts';
import { dateText, text, type AuditNote, type EngineCore, type Row } from './engine-core.ts';
import { IncentiveError } from './errors.ts';
import { readKeyed, replaceKeyed, type KeyedAssignment, type KeyedKind, type KeyedSave } from './keyed-assignments.ts';
import { effectiveAssignments, readRoleAssignments, readRoleHolders, rebuildDerived, writeRoleAssignments, writeRoleHolders } from './role-store.ts';
import { insertJson } from './rows.ts';

type UserRole = { id: string; role: string | null; hireDate: string | null };

export class AssignmentService {
  private readonly core: EngineCore;
  private readonly engine: IncentiveEngine;

  constructor(core: EngineCore, engine: IncentiveEngine) {
    this.core = core;
    this.engine = engine;
  }

  /** All effective assignments (named, and plans given by role: marked `via`), or those of the given payees. */
  async assignments(payees: readonly string[] | null = null): Promise<Assignment[]> {
    const { knex, t } = await this.core.db();
    const rows = (
      await knex.raw(
        `select kind, payee_id, key, valid_from, valid_to, via from ${t('assignments')} ${payees ? 'where payee_id = any(?::text[])' : ''} order by via is not null, id`,
        payees ? [payees as string[]] : [],
      )
    ).rows as Row[];
    return rows.map((r) => ({
      kind: r.kind as Assignment['kind'],
      payeeId: text(r.payee_id),
      key: text(r.key),
      from: dateText(r.valid_from) ?? '',
      to: dateText(r.valid_to),
      ...(r.via ? { via: r.via as NonNullable<Assignment['via']> } : {}),
    }));
  }

  /**
   * Replaces the named assignments (rows with `via` are derived from roles and are ignored here);
   * with `by`, the change is audited in the same transaction (`note`, else the lists before and after).
   */
  async replaceNamed(list: Assignment[], by?: Actor, note?: AuditNote): Promise<void> {
    const before = by && !note ? (await this.assignments()).filter((a) => !a.via) : [];
    const { knex, t, schema, port } = await this.core.db();
    await knex.transaction(async (trx) => {
      await port.table('assignments', trx).delete();
      await insertJson(
        trx,
        t('assignments'),
        list.filter((a) => !a.via).map((a, i) => ({ id: `a${String(i).padStart(8, '0')}`, kind: a.kind, payee_id: a.payeeId, key: a.key, valid_from: a.from, valid_to: a.to ?? null })),
        { id: 'text', kind: 'text', payee_id: 'text', key: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await rebuildDerived(trx, schema);
      const changed = note ?? {
        action: 'incentives.assignments.update',
        object: 'incentive_assignment',
        before: listSummary(assignmentRows(before)),
        after: listSummary(assignmentRows(list.filter((a) => !a.via))),
      };
      await this.core.audit(by, changed, trx);
    });
    // No builder form: the table's name is the port's own, quoted.
    await knex.raw(`analyze ${t('assignments')}`);
  }

  /**
   * Replaces who is on one plan (other plans' and territory/specialist assignments are kept), linted
   * against what people would be on: named, plus what their roles give (a name wins over the role).
   * Undefined when there is no such plan; refused (422) when someone would be paid twice.
   */
  async setPlanAssignments(planId: string, rows: ReadonlyArray<{ payeeId: string; from: string; to?: string | null }>, by?: Actor): Promise<{ data: Assignment[]; issues: LintIssue[] } | undefined> {
    const plans = await this.engine.plans();
    const plan = plans.find((p) => p.id === planId);
    if (!plan) return undefined;
    const mine: Assignment[] = rows.map((a) => ({ kind: 'plan', payeeId: a.payeeId, key: planId, from: a.from, to: a.to ?? null }));
    const named = (await this.assignments()).filter((a) => !a.via);
    const all = [...named.filter((a) => !(a.kind === 'plan' && a.key === planId)), ...mine];
    const issues = lintPlan(plan, { plans, assignments: await this.previewAssignments({ named: all }), ...(await this.core.lintFunctions()) });
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length) throw new IncentiveError(422, 'assignment_invalid', 'these assignments would pay someone twice', errors);
    const before = named.filter((a) => a.kind === 'plan' && a.key === planId);
    await this.replaceNamed(all, by, {
      action: 'incentives.assignments.update',
      object: 'incentive_assignment',
      before: { plan: planId, ...listSummary(assignmentRows(before)) },
      after: { plan: planId, ...listSummary(assignmentRows(mine)) },
    });
    return { data: mine, issues };
  }

  /** Territory (customer → payee) or specialist (product category → payee) assignments. */
  async keyedAssignments(kind: KeyedKind): Promise<KeyedAssignment[]> {
    return readKeyed(this.engine, kind);
  }

  /** See keyed-assignments.ts; `by`: who replaces them (audited in the same transaction). */
  async setKeyedAssignments(kind: KeyedKind, list: unknown, by?: Actor): Promise<KeyedSave> {
    return replaceKeyed(this.engine, kind, list, by);
  }

  /** The effective assignments if named ones, role assignments or role holders were replaced (for linting before a save). */
  async previewAssignments(change: { named?: readonly Assignment[]; roles?: readonly RoleAssignment[]; holdings?: readonly RoleHolding[] } = {}): Promise<Assignment[]> {
    const { knex, schema } = await this.core.db();
    return effectiveAssignments(knex, schema, change);
  }

  async roleAssignments(): Promise<RoleAssignment[]> {
    const { knex, schema } = await this.core.db();
    return readRoleAssignments(knex, schema);
  }

  /**
   * Replaces the role assignments. Refused, naming the cell, when one is malformed, names an unknown
   * plan, or would put a payee on two active plans paying the same component. `by`: who replaces
   * them (audited in the same transaction).
   */
  async setRoleAssignments(list: RoleAssignment[], by?: Actor): Promise<LintIssue[]> {
    const plans = await this.engine.plans();
    const issues: LintIssue[] = checkRoleAssignments(list, new Set(plans.map((p) => p.id)));
    if (issues.length) throw new IncentiveError(400, 'invalid_role_assignments', `${issues.length} role assignment value(s) are invalid`, issues);
    // Assignments by subtree resolve against the org: the engine's copy is brought up to date first.
    await this.engine.syncOrg();
    const effective = await this.previewAssignments({ roles: list });
    const functions = await this.core.lintFunctions();
    const lint = plans.flatMap((p) =>
      lintPlan(p, { plans, assignments: effective, ...functions })
        .filter((i) => i.rule === 'double_assignment')
        .map((i) => ({ ...i, path: `/plans/${p.id}${i.path}` })),
    );
    if (lint.some((i) => i.severity === 'error')) throw new IncentiveError(422, 'assignment_invalid', 'these role assignments would pay someone twice', lint);
    const { knex, schema } = await this.core.db();
    await knex.transaction(async (trx) => {
      const before = by ? await readRoleAssignments(trx, schema) : [];
      await writeRoleAssignments(trx, schema, list);
      const after = by ? await readRoleAssignments(trx, schema) : [];
      await this.core.audit(by, { action: 'incentives.role_assignments.update', object: 'incentive_assignment', before: listSummary(before), after: listSummary(after) }, trx);
    });
    return lint;
  }

  async roleHolders(users: readonly string[] | null = null): Promise<RoleHolding[]> {
    const { knex, schema } = await this.core.db();
    return readRoleHolders(knex, schema, users);
  }

  /** Replaces who held which role when (an import of role history). */
  async setRoleHolders(list: RoleHolding[]): Promise<void> {
    const { knex, schema } = await this.core.db();
    await knex.transaction(async (trx) => writeRoleHolders(trx, schema, list));
  }

  /**
   * Reads the users' roles (the user record's `role`; inactive users hold none) and records what
   * changed as of `asOf`; returns the users whose role changed.
   */
  async syncRolesFromRecords(asOf?: string): Promise<string[]> {
    // Roles as of today on the tenant's wall clock unless told.
    await this.core.ensure();
    asOf ??= localToday(this.core.timeZone);
    const records = await this.core.store.records(this.core.tenant);
    if (!records.registry.object('user')) return [];
    const users: UserRole[] = [];
    for (let after: string | undefined; ; ) {
      const page = await records.list('user', { limit: 500, ...(after ? { after } : {}) });
      for (const u of page.data) users.push({ id: text(u.id), role: u.active === false || !u.role ? null : text(u.role), hireDate: dateText(u.hire_date) });
      if (!page.page.next) break;
      after = page.page.next;
    }
    return this.observeRoles(users, asOf, false);
  }

  /** Records observed roles of the given users as of a date (a user record event). */
  async observeUserRoles(users: UserRole[], asOf: string): Promise<string[]> {
    return this.observeRoles(users, asOf, true);
  }

  private async observeRoles(users: UserRole[], asOf: string, partial: boolean): Promise<string[]> {
    const { knex, schema, t, port } = await this.core.db();
    let changed: string[] = [];
    await knex.transaction(async (trx) => {
      await this.core.lock(trx);
      const current = await readRoleHolders(trx, schema, partial ? users.map((u) => u.id) : null);
      const next = observeRoles(current, users, asOf);
      changed = next.changed;
      if (!changed.length) return;
      await port.table('roles', trx).whereIn('user_id', changed).delete();
      await insertJson(
        trx,
        t('roles'),
        next.holdings.filter((h) => changed.includes(h.userId)).map((h) => ({ user_id: h.userId, role: h.role, valid_from: h.from, valid_to: h.to ?? null })),
        { user_id: 'text', role: 'text', valid_from: 'date', valid_to: 'date' },
      );
      await rebuildDerived(trx, schema);
    });
    return changed;
  }
}
