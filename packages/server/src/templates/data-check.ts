// Checks a template's data against itself and the metadata it will install with, before anything
// is written: every natural key names a unit, person, role, record or plan the template defines
// (or, into an existing tenant, that the tenant has — those are resolved when loading).
import { Registry } from '@attain/meta';
import type { TemplateProblem } from './errors.ts';
import type { TemplateData } from './data-format.ts';

export function dataProblems(data: TemplateData, docs: readonly unknown[], opts: { existingTenant: boolean }): TemplateProblem[] {
  const built = Registry.tryFromDocuments([...docs], 0);
  if (!built.ok) return []; // the metadata's own problems are reported by the plan, naming each document
  const registry = built.registry;
  const p: TemplateProblem[] = [];
  const units = new Set((data.orgUnits ?? []).map((u) => u.name));
  const people = new Set((data.people ?? []).map((x) => x.email?.toLowerCase()));
  const roles = new Set(registry.documentsOf('role').map((r) => r.name));
  // Into an existing tenant a key may name what the tenant already has: checked when loading.
  const known = (set: Set<string | undefined>, key: string | undefined) => !key || set.has(key) || opts.existingTenant;
  (data.orgUnits ?? []).forEach((u, i) => {
    if (typeof u.name !== 'string' || !u.name) p.push({ path: `data/org_units.json#${i}/name`, rule: 'required', message: 'a unit needs a name (its natural key)' });
    if (u.parent && !known(units, u.parent)) p.push({ path: `data/org_units.json#${i}/parent`, rule: 'unknown_reference', message: `no unit (by name) "${u.parent}"` });
    if (u.head && !known(people, u.head.toLowerCase())) p.push({ path: `data/org_units.json#${i}/head`, rule: 'unknown_reference', message: `no person (by email) "${u.head}"` });
  });
  (data.people ?? []).forEach((x, i) => {
    if (typeof x.email !== 'string' || !x.email.includes('@')) p.push({ path: `data/people.json#${i}/email`, rule: 'required', message: 'an email is the person’s natural key' });
    if (!roles.has(x.role)) p.push({ path: `data/people.json#${i}/role`, rule: 'unknown_reference', message: `no role "${x.role}" (roles: ${[...roles].join(', ')})` });
    if (x.unit && !known(units, x.unit)) p.push({ path: `data/people.json#${i}/unit`, rule: 'unknown_reference', message: `no unit (by name) "${x.unit}"` });
    if (x.manager && !known(people, x.manager.toLowerCase())) p.push({ path: `data/people.json#${i}/manager`, rule: 'unknown_reference', message: `no person (by email) "${x.manager}"` });
  });
  const ids = new Map<string, Set<string>>();
  for (const file of data.records ?? []) {
    if (!registry.object(file.object)) {
      p.push({ path: file.file, rule: 'unknown_object', message: `no object "${file.object}" in the template's metadata` });
      continue;
    }
    const mine = ids.get(file.object) ?? new Set<string>();
    ids.set(file.object, mine);
    file.rows.forEach((row, i) => {
      if (typeof row.external_id !== 'string' || !row.external_id) p.push({ path: `${file.file}#${i}/external_id`, rule: 'required', message: 'every record needs an external_id (its natural key)' });
      else mine.add(row.external_id);
      for (const [field, value] of Object.entries(row)) {
        if (field === 'external_id' || value === null || value === undefined) continue;
        const def = field === 'owner_id' ? undefined : registry.field(file.object, field);
        if (field !== 'owner_id' && !def) {
          p.push({ path: `${file.file}#${i}/${field}`, rule: 'unknown_field', message: `${file.object} has no field "${field}"` });
          continue;
        }
        const target = field === 'owner_id' ? 'user' : def?.ref?.object;
        if (!target || opts.existingTenant) continue;
        const key = String(value);
        const ok = target === 'user' ? people.has(key.toLowerCase()) : target === 'org_unit' ? units.has(key) : (ids.get(target)?.has(key) ?? false);
        if (!ok)
          p.push({
            path: `${file.file}#${i}/${field}`,
            rule: 'unknown_reference',
            message: `no ${target === 'user' ? 'person (by email)' : target === 'org_unit' ? 'unit (by name)' : `${target} (by external id) in an earlier records file`} "${key}"`,
          });
      }
    });
  }
  const plans = new Set(registry.documentsOf('incentive_plan').map((x) => x.name));
  (data.planAssignments ?? []).forEach((a, i) => {
    if (!plans.has(a.plan)) p.push({ path: `data/plan_assignments.json#${i}/plan`, rule: 'unknown_reference', message: `no incentive plan "${a.plan}"` });
    if (!known(people, a.person?.toLowerCase())) p.push({ path: `data/plan_assignments.json#${i}/person`, rule: 'unknown_reference', message: `no person (by email) "${a.person}"` });
  });
  const targetPlans = new Set(registry.documentsOf('target_plan').map((x) => x.name));
  (data.targets ?? []).forEach((t, i) => {
    if (!targetPlans.has(t.plan)) p.push({ path: `data/targets.json#${i}/plan`, rule: 'unknown_reference', message: `no target plan "${t.plan}"` });
    for (const key of Object.keys(t.weights ?? {})) {
      if (!(key.includes('@') ? known(people, key.toLowerCase()) : known(units, key)))
        p.push({ path: `data/targets.json#${i}/weights/${key}`, rule: 'unknown_reference', message: `no ${key.includes('@') ? 'person (by email)' : 'unit (by name)'} "${key}"` });
    }
  });
  (data.inputs ?? []).forEach((v, i) => {
    if (!known(people, v.person?.toLowerCase())) p.push({ path: `data/inputs.json#${i}/person`, rule: 'unknown_reference', message: `no person (by email) "${v.person}"` });
  });
  return p;
}
