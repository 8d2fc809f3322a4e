// Loads a template's data into a tenant, resolving every natural key (unit name, email, role name,
// external id, plan name) through the public services: the records service (which owns the org
// through its record hook), the incentive engine (rates, crediting rules, assignments, inputs,
// periods) and the goals service (target-plan versions). A key that resolves to nothing is refused
// naming the file, the row and the key, before anything of that step is written.
import type { Registry } from '@attain/meta';
import {
  approveVersion,
  goalsContext,
  IncentiveEngine,
  kpiOf,
  recomputeAll,
  saveDraft,
  seedMemberships,
  submitVersion,
  syncGoalTargets,
  syncPlansFromMetadata,
  type CreditingRuleDoc,
  type IncentivePlanDoc,
} from '@attain/engine';
import type { Actor, RecordService, Store } from '../store-port.ts';
import { refuse, type TemplateProblem } from './errors.ts';
import type { TemplateData } from './data-format.ts';

export interface LoadReport {
  records: Record<string, number>;
  periods: string[];
  statementLines: number;
}

const CHUNK = 500;

/** Natural key → record id, per object; filled as rows are written, else looked up. */
class Keys {
  private readonly map = new Map<string, string>();
  private readonly records: RecordService;
  constructor(records: RecordService) {
    this.records = records;
  }
  /** The field a natural key of `object` is: users by email, units by name, the rest by external id. */
  static keyField(object: string): string {
    return object === 'user' ? 'email' : object === 'org_unit' ? 'name' : 'external_id';
  }
  remember(object: string, key: string, id: string): void {
    this.map.set(`${object}\u0000${key.toLowerCase()}`, id);
  }
  async find(object: string, key: string): Promise<string | undefined> {
    const hit = this.map.get(`${object}\u0000${key.toLowerCase()}`);
    if (hit) return hit;
    const field = Keys.keyField(object);
    const found = (await this.records.list(object, { filter: { [field]: { eq: field === 'email' ? key.toLowerCase() : key } }, limit: 2 })).data;
    if (found.length !== 1 || !found[0]) return undefined;
    this.remember(object, key, found[0].id);
    return found[0].id;
  }
}

function what(object: string): string {
  return object === 'user' ? 'person (by email)' : object === 'org_unit' ? 'unit (by name)' : `${object} (by external id)`;
}

/** Replaces the natural keys in a row's reference fields by record ids; problems named per row. */
async function resolveRow(registry: Registry, keys: Keys, object: string, row: Record<string, unknown>, at: string, problems: TemplateProblem[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(row)) {
    const target = field === 'owner_id' ? 'user' : registry.field(object, field)?.ref?.object;
    if (!target || value === null || value === undefined) {
      out[field] = value;
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ path: `${at}/${field}`, rule: 'natural_key', message: `must name a ${what(target)}` });
      continue;
    }
    const id = await keys.find(target, value);
    if (!id) problems.push({ path: `${at}/${field}`, rule: 'unknown_reference', message: `no ${what(target)} "${value}"` });
    else out[field] = id;
  }
  return out;
}

async function upsertRows(records: RecordService, keys: Keys, object: string, rows: Array<Record<string, unknown> & { external_id: string }>, actor: Actor): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const result = await records.upsert(object, rows.slice(i, i + CHUNK), actor);
    for (const rec of result.records) {
      const key = rec[Keys.keyField(object)];
      if (typeof key === 'string') keys.remember(object, key, rec.id);
    }
    n += result.created + result.updated;
  }
  return n;
}

/** Units in an order where every parent comes first; a parent that is never defined is refused. */
function unitsInOrder(data: TemplateData, file: string, known: (name: string) => boolean): NonNullable<TemplateData['orgUnits']> {
  const units = data.orgUnits ?? [];
  const done = new Set<string>();
  const out: typeof units = [];
  let pending = units.map((u, i) => ({ u, i }));
  while (pending.length) {
    const ready = pending.filter(({ u }) => !u.parent || done.has(u.parent) || (known(u.parent) && !units.some((x) => x.name === u.parent)));
    if (!ready.length) {
      const { u, i } = pending[0]!;
      refuse('template_data_invalid', [{ path: `${file}#${i}/parent`, rule: 'unknown_reference', message: `no unit (by name) "${u.parent}" (or the units form a cycle)` }]);
    }
    for (const { u } of ready) {
      done.add(u.name);
      out.push(u);
    }
    pending = pending.filter((p) => !ready.includes(p));
  }
  return out;
}

export async function loadTemplateData(store: Store, tenant: string, data: TemplateData, actor: Actor): Promise<LoadReport> {
  const registry = await store.registry(tenant);
  const records = await store.records(tenant);
  const keys = new Keys(records);
  const report: LoadReport = { records: {}, periods: [], statementLines: 0 };
  const count = (object: string, n: number) => (report.records[object] = (report.records[object] ?? 0) + n);

  // Org units, then people, then the unit heads (a head is a person, who sits in a unit).
  const unitFile = 'data/org_units.json';
  const units = unitsInOrder(data, unitFile, () => false);
  for (const u of units) {
    const parent = u.parent ? await keys.find('org_unit', u.parent) : undefined;
    count('org_unit', await upsertRows(records, keys, 'org_unit', [{ external_id: u.external_id ?? `unit:${u.name}`, name: u.name, ...(parent ? { parent_id: parent } : {}) }], actor));
  }
  const roles = new Set(registry.documentsOf('role').map((r) => r.name));
  const people = data.people ?? [];
  const problems: TemplateProblem[] = [];
  people.forEach((p, i) => {
    if (typeof p.email !== 'string' || !p.email.includes('@')) problems.push({ path: `data/people.json#${i}/email`, rule: 'required', message: 'an email is the person’s natural key' });
    if (!roles.has(p.role)) problems.push({ path: `data/people.json#${i}/role`, rule: 'unknown_reference', message: `no role "${p.role}" (roles: ${[...roles].join(', ')})` });
  });
  if (problems.length) refuse('template_data_invalid', problems);
  // People in passes: a manager is written before their reports.
  let pending = people.map((p, i) => ({ p, i }));
  while (pending.length) {
    const emails = new Set(pending.map(({ p }) => p.email.toLowerCase()));
    const ready = pending.filter(({ p }) => !p.manager || !emails.has(p.manager.toLowerCase()) || p.manager.toLowerCase() === p.email.toLowerCase());
    if (!ready.length) refuse('template_data_invalid', [{ path: `data/people.json#${pending[0]!.i}/manager`, rule: 'cycle', message: 'the managers form a cycle' }]);
    const rows: Array<Record<string, unknown> & { external_id: string }> = [];
    for (const { p, i } of ready) {
      const at = `data/people.json#${i}`;
      const values = await resolveRow(registry, keys, 'user', { ...(p.fields ?? {}), ...(p.unit ? { org_unit_id: p.unit } : {}), ...(p.manager ? { manager_id: p.manager } : {}) }, at, problems);
      rows.push({ external_id: `person:${p.email.toLowerCase()}`, name: p.name, email: p.email.toLowerCase(), role: p.role, active: true, ...(p.title ? { title: p.title } : {}), ...values });
    }
    if (problems.length) refuse('template_data_invalid', problems);
    count('user', await upsertRows(records, keys, 'user', rows, actor));
    pending = pending.filter((x) => !ready.includes(x));
  }
  for (const [i, u] of units.entries()) {
    if (!u.head) continue;
    const head = await keys.find('user', u.head);
    if (!head) refuse('template_data_invalid', [{ path: `${unitFile}#${i}/head`, rule: 'unknown_reference', message: `no person (by email) "${u.head}"` }]);
    await records.update('org_unit', (await keys.find('org_unit', u.name))!, { head_id: head }, actor);
  }

  // Sample records, file by file (a file may refer to records of an earlier one).
  for (const file of data.records ?? []) {
    if (!registry.object(file.object)) refuse('template_data_invalid', [{ path: file.file, rule: 'unknown_object', message: `no object "${file.object}" in the template's metadata` }]);
    const rows: Array<Record<string, unknown> & { external_id: string }> = [];
    for (const [i, row] of file.rows.entries()) {
      const at = `${file.file}#${i}`;
      if (typeof row.external_id !== 'string' || row.external_id === '') {
        problems.push({ path: `${at}/external_id`, rule: 'required', message: 'every record needs an external_id (its natural key)' });
        continue;
      }
      rows.push({ ...(await resolveRow(registry, keys, file.object, row, at, problems)), external_id: row.external_id });
    }
    if (problems.length) refuse('template_data_invalid', problems);
    count(file.object, await upsertRows(records, keys, file.object, rows, actor));
  }

  const person = async (email: string, at: string): Promise<string> => {
    const id = await keys.find('user', email);
    return id ?? refuse('template_data_invalid', [{ path: at, rule: 'unknown_reference', message: `no person (by email) "${email}"` }]);
  };

  // Goals: memberships, KPI actuals, then each target plan's approved version.
  const kpis = registry.documentsOf('kpi');
  if (kpis.length || data.targets?.length) {
    const ctx = await goalsContext(store as never, tenant, registry);
    await seedMemberships(ctx);
    for (const k of kpis) await recomputeAll(ctx, kpiOf(ctx, k.name));
    for (const [i, t] of (data.targets ?? []).entries()) {
      const at = `data/targets.json#${i}`;
      if (!registry.documentsOf('target_plan').some((p) => p.name === t.plan))
        refuse('template_data_invalid', [{ path: `${at}/plan`, rule: 'unknown_reference', message: `no target plan "${t.plan}"` }]);
      const weights: Record<string, string> = {};
      for (const [key, w] of Object.entries(t.weights ?? {})) {
        const node = key.includes('@') ? await keys.find('user', key) : await keys.find('org_unit', key);
        if (!node) refuse('template_data_invalid', [{ path: `${at}/weights/${key}`, rule: 'unknown_reference', message: `no ${key.includes('@') ? 'person (by email)' : 'unit (by name)'} "${key}"` }]);
        weights[node] = w;
      }
      const { version } = await saveDraft(ctx, t.plan, { total: t.total, ...(Object.keys(weights).length ? { weights, method: 'weights' as const } : {}) }, actor.userId);
      if (t.approve !== false) {
        await submitVersion(ctx, t.plan, version.id, null);
        await approveVersion(ctx, t.plan, version.id, null);
      }
    }
  }

  // Incentives: rules, plans, rates, org, transactions, assignments, inputs, then the periods.
  const plans = registry.documentsOf('incentive_plan') as unknown as IncentivePlanDoc[];
  if (!plans.length) return report;
  const engine = new IncentiveEngine(store as never, tenant);
  if (data.creditingRules?.length) await engine.saveRules(data.creditingRules as CreditingRuleDoc[]);
  await syncPlansFromMetadata(engine, registry);
  if (data.fxRates?.length)
    await engine.setFx(
      data.fxRates.map((r) => ({ currency: r.currency, date: r.date, rate: r.rate, ...(r.to ? { to: r.to } : {}) })),
      actor,
    );
  await engine.syncOrgFromRecords();
  await engine.syncOrdersFromRecords();
  const assignments = [];
  for (const [i, a] of (data.planAssignments ?? []).entries()) {
    const plan = plans.find((p) => p.name === a.plan);
    if (!plan) refuse('template_data_invalid', [{ path: `data/plan_assignments.json#${i}/plan`, rule: 'unknown_reference', message: `no incentive plan "${a.plan}"` }]);
    assignments.push({ kind: 'plan' as const, payeeId: await person(a.person, `data/plan_assignments.json#${i}/person`), key: plan.id, from: a.from, to: a.to ?? null });
  }
  if (assignments.length) await engine.setAssignments(assignments);
  const periods = data.periods ?? [];
  for (const p of periods) await engine.openPeriod(p);
  if (periods.length) await syncGoalTargets(engine, periods);
  const inputs = [];
  for (const [i, v] of (data.inputs ?? []).entries()) inputs.push({ payeeId: await person(v.person, `data/inputs.json#${i}/person`), period: v.period, name: v.name, value: v.value });
  if (inputs.length) await engine.setInputs(inputs);
  if (periods.length) {
    const stats = await engine.recompute({ credit: true });
    report.periods = stats.periods;
    report.statementLines = stats.lines;
  }
  return report;
}
