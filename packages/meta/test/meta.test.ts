import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  MetaValidationError,
  Registry,
  apiNameProblem,
  parseMetadataJson,
  quoteIdent,
  recordJsonSchema,
  pickLabel,
  humanize,
  assertNoForbiddenKeys,
  validateAgainstMetaSchema,
  type ObjectDoc,
} from '../src/index.ts';
import { readMetadataDir } from '../src/load-dir.ts';
import { generateMetaTypes } from '../scripts/gen-types.ts';

const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));

const user: ObjectDoc = {
  kind: 'object',
  id: 'o.user',
  name: 'user',
  label: { en: 'User' },
  'x-attain': { owned: false },
  schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', 'x-attain': { id: 'f.user.name' } } } },
};

function deal(properties: ObjectDoc['schema']['properties'], extra: Partial<ObjectDoc> = {}): ObjectDoc {
  return { kind: 'object', id: 'o.deal', name: 'deal', label: { en: 'Deal', 'zh-CN': '商机' }, schema: { type: 'object', properties }, ...extra };
}

function issuesOf(docs: unknown[]) {
  const result = Registry.tryFromDocuments(docs);
  return result.ok ? [] : result.issues;
}

describe('core metadata', () => {
  it('loads and cross-checks every core document', async () => {
    const registry = Registry.fromDocuments(await readMetadataDir(coreDir));
    expect(registry.objects.map((o) => o.name).sort()).toEqual([
      'activity',
      'contact',
      'customer',
      'daily_report',
      'opportunity',
      'order',
      'order_line',
      'order_split',
      'org_unit',
      'product',
      'user',
      'visit',
    ]);
    expect(registry.roles.map((r) => r.name).sort()).toEqual(['admin', 'finance', 'manager', 'rep']);
    const opp = registry.object('opportunity');
    expect(opp?.fields.find((f) => f.name === 'amount')?.storage).toBe('money');
    expect(opp?.fields.find((f) => f.name === 'stage')?.options?.find((o) => o.value === 'proposal')?.probability).toBe(0.5);
    expect(registry.inverseRelations('customer').map((r) => r.name)).toContain('orders');
    expect(registry.object('org_unit')?.tree?.parentField).toBe('parent_id');
    for (const object of registry.objects) {
      expect(object.label['zh-CN'], object.name).toBeTruthy();
      for (const field of object.fields) expect(field.label['zh-CN'], `${object.name}.${field.name}`).toBeTruthy();
    }
    expect(registry.objectById('core.order')?.name).toBe('order');
    expect(registry.field('order', 'owner_id')?.system).toBe(true);
    expect(registry.allFields('missing')).toEqual([]);
    expect(registry.documentsOf('role')).toHaveLength(4);
  });

  it('generated types are current with the meta-schemas', async () => {
    const committed = await readFile(new URL('../src/generated/types.ts', import.meta.url), 'utf8');
    expect(await generateMetaTypes()).toBe(committed);
  });
});

describe('identifier rules', () => {
  it.each([
    ['deal', undefined],
    ['order', undefined],
    ['user', undefined],
    ['Deal', 'lower-case'],
    ['1deal', 'lower-case'],
    ['a'.repeat(64), 'lower-case'],
    ['select', 'reserved'],
    ['constructor', 'reserved'],
    ['query', 'reserved'],
    ['xmin', 'reserved'],
    ['pg_thing', 'reserved for the platform'],
    ['a__b', 'reserved for the platform'],
    ['drop_table"; --', 'lower-case'],
  ])('%s', (name, problem) => {
    const result = apiNameProblem(name);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
  it('refuses non-strings and quotes only safe identifiers', () => {
    expect(apiNameProblem(42)).toBe('must be a text value');
    expect(quoteIdent('deal')).toBe('"deal"');
    expect(() => quoteIdent('deal"; drop table x; --')).toThrow(/unsafe identifier/);
  });
});

describe('loader', () => {
  it('parses clean JSON', () => {
    expect(parseMetadataJson('{"a":[1,{"b":2}]}')).toEqual({ a: [1, { b: 2 }] });
  });
  it.each(['{"__proto__": {"admin": true}}', '{"a": {"constructor": {"prototype": {"x": 1}}}}', '{"a": [{"__proto__": 1}]}'])('rejects prototype poisoning %s', (text) => {
    try {
      parseMetadataJson(text, 'deal.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MetaValidationError);
      expect((error as MetaValidationError).issues[0]?.rule).toBe('forbidden_key');
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
  it('reports syntax errors with the document name', () => {
    expect(() => parseMetadataJson('{"a":', 'deal.json')).toThrow(/deal.json/);
  });
  it('walks parsed values for forbidden keys', () => {
    const poisoned = JSON.parse('{"x":{"prototype":1}}');
    expect(() => assertNoForbiddenKeys(poisoned)).toThrow(MetaValidationError);
    expect(() => assertNoForbiddenKeys({ x: [1, 2, { y: null }] })).not.toThrow();
  });
});

describe('validator', () => {
  it('names the document, the pointer and the rule', () => {
    const issues = issuesOf([user, deal({ amount: { type: 'number', minimum: 0, 'x-attain': { id: 'f1', storage: 'money' } }, bad: { type: 'string', foo: 1, 'x-attain': { id: 'f2' } } as never })]);
    expect(issues).toEqual([{ document: 'object "deal"', path: '/schema/properties/bad', rule: 'additionalProperties', message: 'has "foo", which is not allowed here' }]);
  });
  it('explains every common rule in words', () => {
    const messages = validateAgainstMetaSchema({
      kind: 'object',
      id: '!bad id',
      name: 'Bad',
      label: { fr: '' },
      schema: { type: 'object', properties: { a: { type: 'text', maxLength: 0, enum: [], 'x-attain': { id: 'x', storage: 'money', ui: { order: 'x' } } } } },
    }).map((i) => `${i.path} ${i.rule}: ${i.message}`);
    expect(messages.join('\n')).toMatchInlineSnapshot(`
      "/id pattern: must match the pattern ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$
      /name pattern: must start with a lower-case letter and use only a-z, 0-9 and _ (at most 63 characters)
      /label required: is missing the required property "en"
      /label/fr minLength: must not be empty
      /schema/properties/a/type enum: must be one of: "string", "number", "integer", "boolean", "array"
      /schema/properties/a/enum minItems: must have at least 1 item(s)
      /schema/properties/a/maxLength minimum: must be at least 1
      /schema/properties/a/x-attain/ui/order type: must be an integer"
    `);
    expect(validateAgainstMetaSchema('nope')[0]?.message).toBe('must be a JSON object');
    expect(validateAgainstMetaSchema({ kind: 'spaceship' })[0]?.rule).toBe('enum');
  });
  it('checks meaning beyond the meta-schema', () => {
    const issues = issuesOf(
      [
        user,
        deal(
          {
            select: { type: 'string', 'x-attain': { id: 'a' } },
            owner_id: { type: 'string', 'x-attain': { id: 'b' } },
            amount: { type: 'string', 'x-attain': { id: 'b', storage: 'money' } },
            stage: { type: 'string', 'x-attain': { id: 'c', storage: 'enum' } },
            other: { type: 'string', 'x-attain': { id: 'd', ref: { object: 'nowhere' } } },
            code: { type: 'string', pattern: '(a+)+$', 'x-attain': { id: 'e' } },
            code2: { type: 'string', pattern: '([a-', 'x-attain': { id: 'e2' } },
            n: { type: 'integer', minimum: 5, maximum: 1, default: 1.5, 'x-attain': { id: 'g' } },
            p: { type: 'number', 'x-attain': { id: 'h', storage: 'decimal', precision: 4, scale: 6 } },
            calc: { type: 'number', 'x-attain': { id: 'i', formula: { expression: 'n * 2' } } },
            lvl: { type: 'string', enum: ['a', 'b'], 'x-attain': { id: 'j', options: [{ value: 'b' }, { value: 'a' }] } },
            flag: { type: 'boolean', enum: ['x'], 'x-attain': { id: 'k' } },
            r2: { type: 'string', 'x-attain': { id: 'l', storage: 'text', ref: { object: 'user' } } },
            day: { type: 'string', format: 'date', default: 'tomorrow', 'x-attain': { id: 'm' } },
          },
          {
            'x-attain': {
              titleField: 'missing',
              indexes: [
                { id: 'ix', fields: ['nope'] },
                { id: 'ix', fields: ['n'] },
              ],
              validationRules: [
                { id: 'r', name: 'r', condition: 'TRUE', message: { en: 'm' }, field: 'zzz' },
                { id: 'r', name: 'r2', condition: 'TRUE', message: { en: 'm' } },
              ],
              tree: { parentField: 'n' },
            },
          },
        ),
      ].map((d, i) => (i === 1 ? { ...d, schema: { ...(d as ObjectDoc).schema, required: ['calc', 'ghost'] } } : d)),
    );
    const rules = issues.map((i) => `${i.path} ${i.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        '/schema/required unknown_field',
        '/schema/properties/select reserved_name',
        '/schema/properties/owner_id reserved_name',
        '/schema/properties/amount/x-attain/id duplicate_id',
        '/schema/properties/amount/type storage_type',
        '/schema/properties/stage enum_values',
        '/schema/properties/other/x-attain/ref/object unknown_reference',
        '/schema/properties/code/pattern pattern_unsafe',
        '/schema/properties/code2/pattern pattern_syntax',
        '/schema/properties/n/minimum range',
        '/schema/properties/n/default default_type',
        '/schema/properties/p/x-attain/scale range',
        '/schema/properties/calc/x-attain/formula formula_required',
        '/schema/properties/lvl/x-attain/options enum_values',
        '/schema/properties/flag/type storage_type',
        '/schema/properties/r2/x-attain/ref storage_type',
        '/schema/properties/day/default default_type',
        '/x-attain/titleField unknown_field',
        '/x-attain/indexes/0/fields unknown_field',
        '/x-attain/indexes/1/id duplicate_id',
        '/x-attain/validationRules/0/field unknown_field',
        '/x-attain/validationRules/1/id duplicate_id',
        '/x-attain/tree/parentField tree_parent',
      ]),
    );
  });
  it('refuses duplicate ids and names across documents, and dangling role references', () => {
    const issues = issuesOf([
      user,
      { ...user, id: 'o.user2' },
      { ...deal({}), id: 'o.user' },
      {
        kind: 'role',
        id: 'r1',
        name: 'rep',
        label: { en: 'Rep' },
        permissions: [
          { object: 'ghost', actions: ['read'] },
          { object: 'user', actions: ['read'], hiddenFields: ['nope'] },
          { object: '*', actions: ['read'] },
        ],
      },
      { kind: 'object', id: 'o.x', name: 'x', label: { en: 'X' }, schema: { type: 'object', properties: {} } },
    ]);
    expect(issues.map((i) => `${i.document} ${i.rule}`)).toEqual(
      expect.arrayContaining(['object "user" duplicate_name', 'object "deal" duplicate_id', 'role "rep" unknown_reference', 'role "rep" unknown_field']),
    );
    const noUser = issuesOf([deal({})]);
    expect(noUser[0]?.message).toContain('"user" object');
  });
  it('throws MetaValidationError with every issue', () => {
    expect(() => Registry.fromDocuments([{ kind: 'object' }, { kind: 'role' }])).toThrow(/problems/);
  });
  it('refuses inverse relation names that clash', () => {
    const issues = issuesOf([
      user,
      deal({
        a_id: { type: 'string', 'x-attain': { id: 'a', ref: { object: 'user', inverse: 'deals' } } },
        b_id: { type: 'string', 'x-attain': { id: 'b', ref: { object: 'user', inverse: 'deals' } } },
      }),
    ]);
    expect(issues.map((i) => i.rule)).toEqual(['duplicate_name']);
  });
});

describe('registry', () => {
  it('infers storage and applies defaults', () => {
    const registry = Registry.fromDocuments([
      user,
      deal({
        title: { type: 'string', 'x-attain': { id: 'a' } },
        on_day: { type: 'string', format: 'date', 'x-attain': { id: 'b' } },
        at: { type: 'string', format: 'date-time', 'x-attain': { id: 'c' } },
        mail: { type: 'string', format: 'email', 'x-attain': { id: 'd' } },
        site: { type: 'string', format: 'uri', 'x-attain': { id: 'e' } },
        n: { type: 'integer', 'x-attain': { id: 'f' } },
        x: { type: 'number', 'x-attain': { id: 'g' } },
        ok: { type: 'boolean', 'x-attain': { id: 'h' } },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, 'x-attain': { id: 'i' } },
        kind: { type: 'string', 'x-attain': { id: 'j', options: [{ value: 'x' }, { value: 'y' }] } },
        rep_id: { type: 'string', 'x-attain': { id: 'k', ref: { object: 'user' } } },
        money: { type: 'number', 'x-attain': { id: 'l', storage: 'money' } },
        pct: { type: 'number', 'x-attain': { id: 'm', storage: 'percent' } },
        untyped_tags: { type: 'array', 'x-attain': { id: 'n', options: [{ value: 'q' }] } },
      }),
    ]);
    const fields = Object.fromEntries(registry.object('deal')!.fields.map((f) => [f.name, f]));
    expect(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.storage]))).toEqual({
      title: 'text',
      on_day: 'date',
      at: 'datetime',
      mail: 'email',
      site: 'url',
      n: 'integer',
      x: 'decimal',
      ok: 'boolean',
      tags: 'multi_enum',
      kind: 'enum',
      rep_id: 'ref',
      money: 'money',
      pct: 'percent',
      untyped_tags: 'multi_enum',
    });
    expect(fields.title?.maxLength).toBe(255);
    expect(fields.money).toMatchObject({ precision: 18, scale: 2 });
    expect(fields.pct).toMatchObject({ precision: 12, scale: 6 });
    expect(fields.x).toMatchObject({ precision: 24, scale: 6 });
    expect(fields.rep_id?.ref).toEqual({ object: 'user', onDelete: 'set_null' });
    expect(fields.kind?.enumValues).toEqual(['x', 'y']);
    expect(registry.object('deal')!.titleField).toBe('title');
    expect(registry.inverseRelations('user')[0]?.name).toBe('deal_by_rep');
  });
  it('replaces a document by id', () => {
    const registry = Registry.fromDocuments([user, deal({})]);
    const next = registry.withDocument({ ...deal({}), name: 'opportunity' }, 3);
    expect(next.object('opportunity')?.id).toBe('o.deal');
    expect(next.object('deal')).toBeUndefined();
    expect(next.revision).toBe(3);
    expect(registry.role('x')).toBeUndefined();
  });
  it('picks labels by locale with fallbacks', () => {
    expect(pickLabel({ en: 'Deal', 'zh-CN': '商机' }, 'zh-CN')).toBe('商机');
    expect(pickLabel({ en: 'Deal', zh: '商机' }, 'zh-TW')).toBe('商机');
    expect(pickLabel({ en: 'Deal' }, 'fr')).toBe('Deal');
    expect(pickLabel(undefined, 'fr', 'x')).toBe('x');
    expect(humanize('customer_id')).toBe('Customer');
    expect(humanize('close_date')).toBe('Close date');
  });
});

describe('record JSON Schema', () => {
  const registry = Registry.fromDocuments(
    [
      user,
      deal({
        name: { type: 'string', maxLength: 20, pattern: '^[A-Z]', 'x-attain': { id: 'a', label: { en: 'Name', 'zh-CN': '名称' } } },
        amount: { type: 'number', minimum: 0, maximum: 1000, 'x-attain': { id: 'b', storage: 'money' } },
        stage: { type: 'string', enum: ['open', 'won'], default: 'open', 'x-attain': { id: 'c' } },
        close: { type: 'string', format: 'date', 'x-attain': { id: 'd' } },
        at: { type: 'string', format: 'date-time', 'x-attain': { id: 'd2' } },
        rep_id: { type: 'string', 'x-attain': { id: 'e', ref: { object: 'user' } } },
        n: { type: 'integer', minimum: 1, 'x-attain': { id: 'f' } },
        ok: { type: 'boolean', 'x-attain': { id: 'g' } },
        tags: { type: 'array', items: { type: 'string', enum: ['x'] }, 'x-attain': { id: 'h' } },
        mail: { type: 'string', format: 'email', 'x-attain': { id: 'i' } },
        site: { type: 'string', format: 'uri', 'x-attain': { id: 'j' } },
        calc: { type: 'number', description: 'twice', 'x-attain': { id: 'k', formula: { expression: 'amount*2' } } },
      }),
    ].map((d, i) => (i === 1 ? { ...d, schema: { ...(d as ObjectDoc).schema, required: ['name', 'amount'] } } : d)),
  );
  const object = registry.object('deal')!;
  const ajv = new Ajv2020({ strict: false });

  it('validates creates, patches and reads', () => {
    const create = ajv.compile(recordJsonSchema(object, 'create'));
    expect(create({ name: 'Acme', amount: '12.50', stage: 'won', close: '2026-02-28', rep_id: '0190a0b0-0000-7000-8000-000000000000', n: 2, ok: true, tags: ['x'] })).toBe(true);
    expect(create({ name: 'Acme', amount: 12.5, stage: null })).toBe(true);
    expect(create({ amount: 1 })).toBe(false);
    expect(create({ name: 'Acme', amount: 1, extra: 1 })).toBe(false);
    expect(create({ name: 'Acme', amount: '1e5' })).toBe(false);
    expect(create({ name: 'Acme', amount: 1, stage: 'lost' })).toBe(false);
    expect(create({ name: 'Acme', amount: 1, calc: 2 })).toBe(false);
    expect(create({ name: 'Acme', amount: 1, id: 'x' })).toBe(false);
    const update = ajv.compile(recordJsonSchema(object, 'update'));
    expect(update({ stage: 'won' })).toBe(true);
    expect(update({ name: null })).toBe(true);
    const read = recordJsonSchema(object, 'read', 'zh-CN') as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(read.properties.name?.title).toBe('名称');
    expect(read.properties.amount?.type).toBe('string');
    expect(read.properties.calc?.readOnly).toBe(true);
    expect(read.properties.id?.format).toBe('uuid');
    expect(read.required).toEqual(['id', 'name', 'amount']);
  });
});

describe('formula schema from plain documents', () => {
  it('resolves exactly what the registry-based schema resolves', async () => {
    const { formulaSchemaFor, formulaSchemaForDocs } = await import('../src/index.ts');
    const docs = await readMetadataDir(coreDir);
    const fromRegistry = formulaSchemaFor(Registry.fromDocuments(docs));
    const fromDocs = formulaSchemaForDocs(docs.filter((d): d is ObjectDoc => (d as { kind: string }).kind === 'object'));
    for (const name of ['opportunity', 'customer', 'order', 'user']) {
      const a = fromRegistry.object(name);
      const b = fromDocs.object(name);
      expect(b?.fieldNames()).toEqual(a?.fieldNames());
      expect(b?.childNames()).toEqual(a?.childNames());
      for (const f of a?.fieldNames() ?? []) expect(b?.field(f)).toEqual(a?.field(f));
    }
    expect(fromDocs.object('customer')?.field('owner')?.ref).toBe('user');
    expect(fromDocs.object('nowhere')).toBeUndefined();
  });
});
