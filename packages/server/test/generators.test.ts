import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse, printSchema, specifiedRules, validate } from 'graphql';
import { Registry, type ObjectDef } from '@attain/meta';
import { buildGraphQLSchema, objectForm, openApiDocument } from '../src/index.ts';
import { complexityLimit, depthLimit } from '../src/graphql/limits.ts';
import { typeName } from '../src/graphql/schema.ts';
import { baseDocs, ticketDoc } from './fixtures/metadata.ts';

const registry = Registry.fromDocuments([...baseDocs(), ticketDoc], 3);
const deal = registry.object('deal') as ObjectDef;

describe('OpenAPI', () => {
  it('is a valid OpenAPI 3.1 document with every object', async () => {
    const doc = openApiDocument(registry, registry.role('admin'));
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Deal', 'DealCreate', 'DealUpdate', 'Ticket', 'Org_Unit', 'Error']));
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/v1/objects/deal'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(paths['/api/v1/objects/deal:upsert']?.post).toBeDefined();
    expect(paths['/api/v1/objects/deal/export']?.get).toBeDefined();
    // Every other route is described from its own schema (openapi-routes.test.ts), not by hand here.
    expect(paths['/api/v1/metadata/apply']).toBeUndefined();
  });

  it('shows a role only what it may do, without hidden fields', async () => {
    const doc = openApiDocument(registry, registry.role('rep'));
    expect((await new Validator().validate(doc as never)).valid).toBe(true);
    const schemas = (doc.components as { schemas: Record<string, { properties: Record<string, unknown> }> }).schemas;
    expect(schemas.Deal?.properties.margin).toBeUndefined();
    expect(schemas.Deal?.properties.amount).toBeDefined();
    expect(schemas.Org_Unit).toBeUndefined();
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    expect(paths['/api/v1/objects/deal/{id}']?.delete).toBeUndefined();
    expect(paths['/api/v1/objects/deal/export']).toBeUndefined();
    expect(paths['/api/v1/metadata/apply']).toBeUndefined();
  });
});

describe('react-jsonschema-form', () => {
  it('labels fields and enum options in the requested language', () => {
    const en = objectForm(deal, 'en');
    const zh = objectForm(deal, 'zh-CN');
    const props = (f: typeof en) => f.schema.properties as Record<string, Record<string, unknown>>;
    expect(en.schema.title).toBe('Deal');
    expect(zh.schema.title).toBe('商机');
    expect(props(en).amount?.title).toBe('Amount');
    expect(props(zh).amount?.title).toBe('金额');
    expect(props(zh).stage?.oneOf).toEqual([
      { const: 'open', title: '进行中' },
      { const: 'won', title: '赢单' },
      { const: 'lost', title: '输单' },
    ]);
    expect(props(en).stage?.enum).toBeUndefined();
    expect(en.schema.required).toEqual(['name']);
  });

  it('chooses widgets from storage and hints, orders fields and hides system fields', () => {
    const form = objectForm(deal, 'zh-CN');
    const ui = form.uiSchema as Record<string, Record<string, unknown>>;
    expect(ui.amount?.['ui:widget']).toBe('money');
    expect(ui.amount?.['ui:options']).toEqual({ currency: 'CNY' });
    expect(ui.notes?.['ui:widget']).toBe('textarea');
    expect(ui.notes?.['ui:help']).toBe('内部备注');
    expect(ui.name?.['ui:placeholder']).toBe('例如：续约');
    expect(ui.close_date?.['ui:widget']).toBe('date');
    expect(ui.customer_id?.['ui:widget']).toBe('lookup');
    expect(ui.created_at?.['ui:widget']).toBe('hidden');
    expect(ui.id?.['ui:widget']).toBe('hidden');
    expect(form.uiSchema['ui:order']).toEqual(['name', 'amount', 'stage', 'close_date', 'customer_id', 'margin', 'notes', '*']);
    expect((form.schema.properties as Record<string, Record<string, unknown>>).amount?.type).toBe('string');
  });

  it('leaves out fields hidden from the role', () => {
    const form = objectForm(deal, 'en', new Set(['margin']));
    expect((form.schema.properties as Record<string, unknown>).margin).toBeUndefined();
    expect(form.uiSchema['ui:order']).not.toContain('margin');
  });
});

describe('GraphQL schema', () => {
  const schema = buildGraphQLSchema(registry);
  const sdl = printSchema(schema);

  it('has a type, queries and mutations per object', () => {
    expect(sdl).toContain('type Deal {');
    expect(sdl).toMatch(/amount: String/);
    expect(sdl).toMatch(/customer: Customer/);
    expect(sdl).toMatch(/deals\(limit: Int = 20\): \[Deal!\]!/);
    expect(sdl).toMatch(/tickets\(limit: Int = 20\): \[Ticket!\]!/);
    expect(sdl).toMatch(/owner: User/);
    expect(sdl).toMatch(/dealList\(\n[^)]*filter: JSON\n[^)]*sort: \[String!\]\n\s*limit: Int = 50/);
    expect(sdl).toMatch(/createDeal\(data: JSON!\): Deal/);
    expect(sdl).toMatch(/updateOrg_Unit\(id: ID!, data: JSON!, version: Int\): Org_Unit/);
    expect(sdl).toMatch(/priority: Int/);
    expect(sdl).toMatch(/version: Int/);
    expect(typeName({ name: 'string' } as ObjectDef)).toBe('String_Object');
  });

  it('builds an empty schema when there are no objects', () => {
    expect(printSchema(buildGraphQLSchema(Registry.fromDocuments([])))).toContain('_empty');
  });

  const check = (query: string, rules = [depthLimit(4), complexityLimit(500)]) => validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.extensions.code ?? e.message);

  it('limits depth, following fragments', () => {
    expect(check('{ dealList { data { customer { name } } } }')).toEqual([]);
    expect(check('{ dealList { data { customer { deals { customer { name } } } } } }', [depthLimit(4)])).toEqual(['depth_limit']);
    expect(check('fragment F on Deal { customer { deals { customer { name } } } } { dealList { data { ...F } } }', [depthLimit(4)])).toEqual(['depth_limit']);
    expect(check('fragment F on Deal { ... on Deal { customer { name } } } query { deal(id: "x") { ...F } }')).toEqual([]);
  });

  it('limits complexity using list sizes', () => {
    expect(check('{ dealList(limit: 10) { data { name customer { name } } } }')).toEqual([]);
    expect(check('{ dealList(limit: 1000) { data { name customer { name } } } }')).toEqual(['complexity_limit']);
    expect(validate(schema, parse('query Q($n: Int) { dealList(limit: $n) { data { name } } }'), [complexityLimit(100, { n: 500 })]).map((e) => e.extensions.code)).toEqual(['complexity_limit']);
    expect(check('fragment F on Deal { name } { dealList { data { ...F tickets { title } } } }', [complexityLimit(100)])).toEqual(['complexity_limit']);
  });
});
