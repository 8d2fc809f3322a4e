// A tenant's configuration written back out as a template package: its metadata (what is not the
// shipped core, or differs from it) and its configuration data with natural keys — units, people
// and their roles, crediting rules, plan assignments, exchange rates and approved targets with
// their weights. Sample business records are not exported (they are the customer's data).
import { readMetadataDir } from '@attain/meta/node';
import { activeVersion, goalsContext, IncentiveEngine, FxRateService, readInputs, versionWithRequest } from '@attain/engine';
import { canonicalJson, CORE_METADATA_DIR } from '@attain/store';
import type { RecordService, Store } from '../store-port.ts';
import type { Rec } from '@attain/store';
import type { TemplateData } from './data-format.ts';
import { refuse } from './errors.ts';
import { installed } from './installed.ts';
import type { TemplateManifest, TemplatePackage } from './manifest.ts';

/** Every live record of an object, page by page (the records service pages at most 500). */
async function listAll(records: RecordService, object: string, field: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let after: string | undefined;
  do {
    const page = await records.list(object, { limit: 500, sort: [{ field, dir: 'asc' }], ...(after ? { after } : {}) });
    out.push(...page.data);
    after = page.page.next ?? undefined;
  } while (after);
  return out;
}

/** Natural key of a record for a template: a person's email, a unit's name, else its external id. */
const naturalKey = (object: string, r: Record<string, unknown>): unknown => (object === 'user' ? r.email : object === 'org_unit' ? r.name : r.external_id);

/**
 * Records of the named objects with their references written as natural keys (sample data
 * carried from one tenant to another); a record without an external id is left out.
 */
async function exportRecords(store: Store, tenant: string, objects: readonly string[]): Promise<NonNullable<TemplateData['records']>> {
  const registry = await store.registry(tenant);
  const records = await store.records(tenant);
  const keyOf = new Map<string, unknown>();
  const key = async (object: string, id: string): Promise<unknown> => {
    const k = `${object}\u0000${id}`;
    if (!keyOf.has(k)) {
      const rec = await records.get(object, id);
      keyOf.set(k, rec ? naturalKey(object, rec) : null);
    }
    return keyOf.get(k);
  };
  const out: NonNullable<TemplateData['records']> = [];
  for (const object of objects) {
    const def = registry.object(object);
    if (!def) refuse('unknown_object', [{ path: `/records/${object}`, rule: 'exists', message: `no object "${object}"` }], 400);
    const rows: Array<Record<string, unknown>> = [];
    for (const rec of await listAll(records, object, 'external_id')) {
      if (typeof rec.external_id !== 'string') continue;
      const row: Record<string, unknown> = { external_id: rec.external_id };
      for (const f of def.fields) {
        const v = rec[f.name];
        if (f.readOnly || v === null || v === undefined) continue;
        row[f.name] = f.ref ? await key(f.ref.object, String(v)) : v;
      }
      if (rec.owner_id) row.owner_id = await key('user', String(rec.owner_id));
      rows.push(row);
    }
    out.push({ file: `data/records/${object}.json`, object, rows });
  }
  return out;
}

export async function exportTemplate(store: Store, tenant: string, opts: { name?: string; version?: string; records?: readonly string[] } = {}): Promise<TemplatePackage> {
  const registry = await store.registry(tenant);
  const core = new Map((await readMetadataDir(CORE_METADATA_DIR)).map((d) => [(d as { id: string }).id, canonicalJson(d)]));
  const documents = registry.docs.filter((d) => core.get(d.id) !== canonicalJson(d));
  const records = await store.records(tenant);
  const all = (object: string) => listAll(records, object, 'name');
  const units = await all('org_unit');
  const users = await all('user');
  const unitName = new Map(units.map((u) => [u.id, String(u.name)]));
  const email = new Map(users.map((u) => [u.id, String(u.email)]));
  const data: TemplateData = {
    orgUnits: units.map((u) => ({
      name: String(u.name),
      ...(u.parent_id ? { parent: unitName.get(String(u.parent_id)) } : {}),
      ...(u.head_id && email.has(String(u.head_id)) ? { head: email.get(String(u.head_id)) } : {}),
    })),
    people: users
      .filter((u) => u.active !== false)
      .map((u) => ({
        email: String(u.email),
        name: String(u.name),
        role: String(u.role),
        ...(u.org_unit_id ? { unit: unitName.get(String(u.org_unit_id)) } : {}),
        ...(u.manager_id && email.has(String(u.manager_id)) ? { manager: email.get(String(u.manager_id)) } : {}),
        ...(u.title ? { title: String(u.title) } : {}),
      })),
  };
  const rates = await new FxRateService(store as never, tenant).list();
  if (rates.length) data.fxRates = rates.map((r) => ({ currency: r.from, to: r.to, date: r.effectiveFrom, rate: r.rate }));
  const plans = registry.documentsOf('incentive_plan');
  if (plans.length) {
    const engine = new IncentiveEngine(store as never, tenant);
    const rules = await engine.rules();
    if (rules.length) data.creditingRules = rules;
    const planName = new Map(plans.map((p) => [p.id, p.name]));
    const periods = (await engine.periods()).map((p) => p.period);
    if (periods.length) data.periods = periods;
    const inputs = (await readInputs(engine)).filter((v) => email.has(v.payeeId));
    if (inputs.length) data.inputs = inputs.map((v) => ({ person: email.get(v.payeeId)!, period: v.period, name: v.name, value: v.value }));
    data.planAssignments = (await engine.assignments())
      .filter((a) => a.kind === 'plan' && !a.via && planName.has(a.key) && email.has(a.payeeId))
      .map((a) => ({ plan: planName.get(a.key)!, person: email.get(a.payeeId)!, from: a.from, ...(a.to ? { to: a.to } : {}) }));
  }
  const targetPlans = registry.documentsOf('target_plan');
  if (targetPlans.length) {
    const ctx = await goalsContext(store as never, tenant, registry);
    data.targets = [];
    for (const p of targetPlans) {
      const active = await activeVersion(ctx, p.name);
      if (!active) continue;
      const req = (await versionWithRequest(ctx, p.name, active.id))?.request;
      const weights = Object.fromEntries(Object.entries(req?.weights ?? {}).map(([node, w]) => [email.get(node.split('@')[0] ?? '') ?? unitName.get(node) ?? node, w]));
      data.targets.push({ plan: p.name, total: active.total, ...(Object.keys(weights).length ? { weights } : {}) });
    }
  }
  if (opts.records?.length) data.records = await exportRecords(store, tenant, opts.records);
  const from = (await installed(store, tenant))[0]?.manifest;
  const name = opts.name ?? from?.name ?? tenant;
  const manifest: TemplateManifest = {
    kind: 'template',
    id: from?.id ?? `tpl.${name}`,
    name,
    version: opts.version ?? from?.version ?? '1.0.0',
    label: from?.label ?? { en: name, 'zh-CN': name },
    ...(from?.description ? { description: from.description } : {}),
    ...(from?.industry ? { industry: from.industry } : {}),
    ...(from?.requires ? { requires: from.requires } : {}),
    ...(from?.settings ? { settings: from.settings } : {}),
    metadata: ['metadata'],
    data: 'data',
  };
  return { manifest, documents, data };
}
