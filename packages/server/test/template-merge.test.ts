// The three-way merge as pure data (merge3.ts): what each side changed, by document and path.
import { describe, expect, it } from 'vitest';
import { applyMerge, mergeTemplate } from '../src/templates/merge3.ts';
import { manifestProblems, requirementProblems } from '../src/templates/manifest.ts';

const kpi = (extra: Record<string, unknown> = {}) => ({ kind: 'kpi', id: 'k', name: 'k', label: { en: 'K', 'zh-CN': '指标' }, measure: { aggregate: 'sum', value: 'amount' }, ...extra });

describe('mergeTemplate', () => {
  it('takes what only the template changed and keeps what only the tenant changed, at the deepest path', () => {
    const base = [kpi()];
    const theirs = [kpi({ description: 'new' })];
    const ours = [kpi({ label: { en: 'Mine', 'zh-CN': '指标' } })];
    const plan = mergeTemplate(base, theirs, ours);
    expect(plan.conflicts).toEqual([]);
    expect(plan.documents[0]).toMatchObject({ description: 'new', label: { en: 'Mine' } });
    expect(plan.changes).toEqual([{ document: 'k', kind: 'kpi', action: 'updated', taken: ['/description'], kept: ['/label/en'] }]);
  });

  it('lists a conflict per path and resolves it by choice', () => {
    const plan = mergeTemplate([kpi()], [kpi({ label: { en: 'Theirs', 'zh-CN': '指标' } })], [kpi({ label: { en: 'Ours', 'zh-CN': '指标' } })]);
    expect(plan.conflicts).toEqual([{ path: 'k#/label/en', document: 'k', pointer: '/label/en', base: 'K', ours: 'Ours', theirs: 'Theirs' }]);
    expect((plan.documents[0] as unknown as { label: { en: string } }).label.en).toBe('Ours');
    const chosen = mergeTemplate([kpi()], [kpi({ label: { en: 'Theirs', 'zh-CN': '指标' } })], [kpi({ label: { en: 'Ours', 'zh-CN': '指标' } })], { 'k#/label/en': 'theirs' });
    expect((chosen.documents[0] as unknown as { label: { en: string } }).label.en).toBe('Theirs');
  });

  it('adds new documents, removes dropped ones the tenant left alone, and keeps dropped ones the tenant changed', () => {
    const other = { kind: 'kpi', id: 'o', name: 'o', label: { en: 'O' } };
    const plan = mergeTemplate([kpi(), other], [{ ...other, id: 'n', name: 'n' }], [kpi(), { ...other, label: { en: 'Changed' } }, { kind: 'role', id: 'mine' }]);
    expect(plan.removed).toEqual(['k']);
    expect(plan.changes.map((c) => [c.document, c.action])).toEqual([
      ['k', 'removed'],
      ['o', 'kept'],
      ['n', 'added'],
    ]);
    expect(plan.conflicts.map((c) => c.path)).toEqual(['o#/']);
    const next = applyMerge([kpi(), { ...other, label: { en: 'Changed' } }, { kind: 'role', id: 'mine' }], plan) as Array<{ id: string }>;
    expect(next.map((d) => d.id)).toEqual(['o', 'mine', 'n']);
  });

  it('merges keyed arrays item by item and treats other arrays as values', () => {
    const doc = (tiers: unknown[], tags: string[]) => ({ kind: 'incentive_plan', id: 'p', versions: [{ version: 1, components: tiers }], tags });
    const base = doc([{ name: 'a', rate: '1' }], ['x']);
    const theirs = doc(
      [
        { name: 'a', rate: '1' },
        { name: 'b', rate: '2' },
      ],
      ['y'],
    );
    const ours = doc([{ name: 'a', rate: '3' }], ['z']);
    const plan = mergeTemplate([base], [theirs], [ours]);
    expect(plan.documents[0]).toMatchObject({
      versions: [
        {
          components: [
            { name: 'a', rate: '3' },
            { name: 'b', rate: '2' },
          ],
        },
      ],
    });
    expect(plan.conflicts.map((c) => c.path)).toEqual(['p#/tags']);
  });
});

describe('template manifest', () => {
  it('names every problem with its field', () => {
    expect(manifestProblems([])).toEqual([{ path: 'template.json', rule: 'type', message: 'must be a JSON object' }]);
    const problems = manifestProblems({ kind: 'x', name: 'Bad Name', version: 'v1', label: { en: 'only' }, requires: { attain: 'soon', plugins: 'geo' }, metadata: 'm', data: 3 });
    expect(problems.map((p) => `${p.path} ${p.rule}`)).toEqual([
      'template.json#/kind const',
      'template.json#/id required',
      'template.json#/name api_name',
      'template.json#/version semver',
      'template.json#/label required',
      'template.json#/requires/attain semver_range',
      'template.json#/requires/plugins type',
      'template.json#/metadata type',
      'template.json#/data type',
    ]);
  });

  it('checks the Attain version range and the plugins a template needs', () => {
    const m = {
      kind: 'template',
      id: 't',
      name: 't',
      version: '1.0.0',
      label: { en: 't', 'zh-CN': 't' },
      metadata: [],
      requires: { attain: '^0.1.0', plugins: [{ name: 'geo', version: '^1' }] },
    } as const;
    expect(requirementProblems(m as never, new Set(['geo']))).toEqual([]);
    expect(requirementProblems(m as never, new Set())).toEqual([expect.objectContaining({ rule: 'plugin_missing', message: expect.stringContaining('"geo" ^1') })]);
  });
});

describe('template data check', () => {
  it('names the file, row and key of every natural key that names nothing, before anything is written', async () => {
    const { dataProblems } = await import('../src/templates/data-check.ts');
    const { readMetadataDir } = await import('@attain/meta/node');
    const { CORE_METADATA_DIR } = await import('@attain/store');
    const docs = await readMetadataDir(CORE_METADATA_DIR);
    const problems = dataProblems(
      {
        orgUnits: [{ name: 'Sales', parent: 'HQ', head: 'boss@x.test' }],
        people: [{ email: 'a@x.test', name: 'A', role: 'seller', unit: 'Nowhere', manager: 'b@x.test' }],
        records: [
          { file: 'data/records/01-order.json', object: 'order', rows: [{ external_id: 'o1', customer_id: 'c-missing', owner_id: 'a@x.test', colour: 'red' }, { amount: 1 }] },
          { file: 'data/records/02-widget.json', object: 'widget', rows: [] },
        ],
        planAssignments: [{ plan: 'no_plan', person: 'z@x.test', from: '2026-01-01' }],
        targets: [{ plan: 'no_targets', total: '1', weights: { Ghost: '1' } }],
        inputs: [{ person: 'q@x.test', period: '2026-01', name: 'quota', value: '1' }],
      },
      docs,
      { existingTenant: false },
    );
    expect(problems.map((x) => `${x.path} ${x.rule}`)).toEqual([
      'data/org_units.json#0/parent unknown_reference',
      'data/org_units.json#0/head unknown_reference',
      'data/people.json#0/role unknown_reference',
      'data/people.json#0/unit unknown_reference',
      'data/people.json#0/manager unknown_reference',
      'data/records/01-order.json#0/customer_id unknown_reference',
      'data/records/01-order.json#0/colour unknown_field',
      'data/records/01-order.json#1/external_id required',
      'data/records/02-widget.json unknown_object',
      'data/plan_assignments.json#0/plan unknown_reference',
      'data/plan_assignments.json#0/person unknown_reference',
      'data/targets.json#0/plan unknown_reference',
      'data/targets.json#0/weights/Ghost unknown_reference',
      'data/inputs.json#0/person unknown_reference',
    ]);
    expect(problems.find((x) => x.path.endsWith('customer_id'))?.message).toBe('no customer (by external id) in an earlier records file "c-missing"');
  });
});
