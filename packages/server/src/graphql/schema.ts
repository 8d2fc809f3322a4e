import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLOutputType,
} from 'graphql';
import { allFields, pickLabel, type FieldDef, type ObjectDef, type Registry, type RoleDef } from '@attain/meta';
import { checkFormula, fieldsRead } from '@attain/store';
import { objectPermission, type ObjectPermission } from '../rbac/permissions.ts';
import { badRequest } from '../http/errors.ts';
import { parseFilter, parseSort, MAX_LIMIT } from '../rest/list-query.ts';
import type { GraphQLContext } from './context.ts';
import { GraphQLJSON } from './json-scalar.ts';

type Rec = Record<string, unknown> & { id: string };
type Field = GraphQLFieldConfig<Rec, GraphQLContext>;

const INT32 = 2 ** 31 - 1;
const BUILTIN_NAMES = new Set(['String', 'Int', 'Float', 'Boolean', 'ID', 'JSON', 'Query', 'Mutation', 'Subscription']);
const MAX_RELATION_LIMIT = 100;

/** PascalCase per word, underscores kept, so the mapping stays injective (org_unit -> Org_Unit). */
export function typeName(object: ObjectDef): string {
  const name = object.name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('_');
  return BUILTIN_NAMES.has(name) ? `${name}_Object` : name;
}

function scalarType(field: FieldDef): GraphQLOutputType {
  switch (field.storage) {
    case 'integer': {
      const fits = field.minimum !== undefined && field.maximum !== undefined && field.minimum >= -INT32 && field.maximum <= INT32;
      return fits || field.name === 'version' ? GraphQLInt : GraphQLFloat;
    }
    case 'boolean':
      return GraphQLBoolean;
    case 'multi_enum':
      return new GraphQLList(new GraphQLNonNull(GraphQLString));
    case 'ref':
      return GraphQLID;
    default:
      // money, decimal and percent travel as strings so no cent is lost; dates as ISO strings.
      return field.name === 'id' ? new GraphQLNonNull(GraphQLID) : GraphQLString;
  }
}

/** The relation field for a ref: `customer_id` -> `customer`, unless that name is taken. */
function relationName(field: FieldDef, taken: Set<string>): string | undefined {
  if (field.system && field.name !== 'owner_id') return undefined;
  const base = field.name.endsWith('_id') ? field.name.slice(0, -3) : `${field.name}_ref`;
  return taken.has(base) ? `${field.name}_ref` : base;
}

function describe(label: FieldDef['label'] | undefined, description?: string): string | undefined {
  const text = pickLabel(label, 'en');
  return description ? `${text}: ${description}` : text || undefined;
}

function listArgs(defaultLimit: number) {
  return {
    filter: { type: GraphQLJSON, description: 'Filter language: {and:[…]} | {or:[…]} | {not:…} | {field:{eq:…}}' },
    sort: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)), description: 'Field names, "-" prefix for descending' },
    limit: { type: GraphQLInt, defaultValue: defaultLimit },
    after: { type: GraphQLString },
    offset: { type: GraphQLInt },
    count: { type: GraphQLBoolean, defaultValue: false },
    q: { type: GraphQLString },
  };
}

function clampLimit(value: unknown, max: number): number {
  const n = typeof value === 'number' ? value : 50;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest('invalid_query', `limit must be 1..${max}`, [{ path: '/limit', rule: 'range', message: `must be 1..${max}` }]);
  return n;
}

/** Everything allowed: the full schema (generators, exports); a request always passes its role. */
const ALL: ObjectPermission = { actions: new Set(['read', 'create', 'update', 'delete', 'export', 'approve']), scope: 'all', hiddenFields: new Set(), readOnlyFields: new Set() };

/**
 * The GraphQL schema of one tenant at one revision as one role sees it: only the objects the role
 * may read, without the fields it hides, relations to objects it cannot read, or mutations it may
 * not run, so introspection reveals nothing RBAC hides (DESIGN.md §9.3). It depends only on the
 * registry and the role, so it is cached by (tenant, revision, role); record scope and loaders
 * live in the context. Without `opts` it is the full schema.
 */
export function buildGraphQLSchema(registry: Registry, opts?: { role: RoleDef | undefined; moduleQuery?: GraphQLFieldConfigMap<unknown, GraphQLContext> }): GraphQLSchema {
  const types = new Map<string, GraphQLObjectType>();
  const pages = new Map<string, GraphQLObjectType>();
  const perm = (object: ObjectDef): ObjectPermission => (opts ? objectPermission(opts.role, object) : ALL);
  const visible = registry.objects.filter((o) => perm(o).actions.has('read'));

  for (const object of visible) {
    types.set(
      object.name,
      new GraphQLObjectType<Rec, GraphQLContext>({
        name: typeName(object),
        description: pickLabel(object.label, 'en', object.name),
        fields: () => objectFields(object),
      }),
    );
  }

  function objectFields(object: ObjectDef): GraphQLFieldConfigMap<Rec, GraphQLContext> {
    const fields: GraphQLFieldConfigMap<Rec, GraphQLContext> = {};
    const hidden = withDerived(registry, object, perm(object).hiddenFields);
    // A child relation needs the child object readable and its linking field visible (as the loader).
    const inverses = registry.inverseRelations(object.name).filter((i) => {
      const child = registry.object(i.object);
      return child !== undefined && types.has(i.object) && !perm(child).hiddenFields.has(i.field);
    });
    const shown = allFields(object).filter((f) => !hidden.has(f.name));
    const taken = new Set<string>([...shown.map((f) => f.name), ...inverses.map((i) => i.name)]);
    for (const field of shown) {
      const config: Field = { type: scalarType(field), resolve: (rec) => rec[field.name] ?? null };
      const description = describe(field.label, field.description);
      if (description) config.description = description;
      fields[field.name] = config;
      const target = field.ref ? types.get(field.ref.object) : undefined;
      const relation = field.ref && target ? relationName(field, taken) : undefined;
      if (field.ref && target && relation) {
        taken.add(relation);
        const targetObject = field.ref.object;
        fields[relation] = {
          type: target,
          description: `${pickLabel(field.label, 'en', field.name)} (resolved)`,
          resolve: (rec, _args, ctx) => {
            const id = rec[field.name];
            return typeof id === 'string' ? ctx.byId(targetObject, id) : null;
          },
        };
      }
    }
    for (const inverse of inverses) {
      const child = types.get(inverse.object);
      if (!child) continue;
      fields[inverse.name] = {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(child))),
        description: pickLabel(inverse.label, 'en', inverse.name),
        args: { limit: { type: GraphQLInt, defaultValue: 20 } },
        resolve: (rec, args: { limit?: number }, ctx) => ctx.children(inverse.object, inverse.field, rec.id, clampLimit(args.limit, MAX_RELATION_LIMIT)),
      };
    }
    return fields;
  }

  const query: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  const mutation: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  for (const object of visible) {
    const type = types.get(object.name) as GraphQLObjectType;
    const actions = perm(object).actions;
    const page = new GraphQLObjectType({
      name: `${typeName(object)}Page`,
      fields: {
        data: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))) },
        next: { type: GraphQLString },
        total: { type: GraphQLInt },
      },
    });
    pages.set(object.name, page);
    const name = object.name;
    query[name] = {
      type,
      args: { id: { type: new GraphQLNonNull(GraphQLID) } },
      resolve: async (_root, args: { id: string }, ctx) => {
        const { service } = await ctx.access.grant(name, 'read');
        return (await service.get(name, args.id)) ?? null;
      },
    };
    query[`${name}List`] = {
      type: new GraphQLNonNull(page),
      args: listArgs(50),
      resolve: async (_root, args: { filter?: unknown; sort?: string[]; limit?: number; after?: string; offset?: number; count?: boolean; q?: string }, ctx) => {
        const { service } = await ctx.access.grant(name, 'read');
        const filter = parseFilter(args.filter);
        const sort = args.sort ? parseSort(args.sort) : undefined;
        const result = await service.list(name, {
          limit: clampLimit(args.limit, MAX_LIMIT),
          ...(filter ? { filter } : {}),
          ...(sort ? { sort } : {}),
          ...(args.after ? { after: args.after } : {}),
          ...(args.offset !== undefined && args.offset !== null ? { offset: args.offset } : {}),
          ...(args.count ? { withTotal: true } : {}),
          ...(args.q ? { search: args.q.slice(0, 200) } : {}),
        });
        for (const rec of result.data) ctx.prime(name, rec);
        return { data: result.data, next: result.page.next, total: result.total ?? null };
      },
    };
    const tn = typeName(object);
    if (actions.has('create'))
      mutation[`create${tn}`] = {
        type,
        args: { data: { type: new GraphQLNonNull(GraphQLJSON) } },
        resolve: async (_root, args: { data: unknown }, ctx) => {
          const grant = await ctx.access.grant(name, 'create');
          const data = asObject(args.data);
          ctx.access.assertOwnerInScope(grant, data);
          return grant.service.create(name, data, ctx.access.actor);
        },
      };
    if (actions.has('update'))
      mutation[`update${tn}`] = {
        type,
        args: { id: { type: new GraphQLNonNull(GraphQLID) }, data: { type: new GraphQLNonNull(GraphQLJSON) }, version: { type: GraphQLInt } },
        resolve: async (_root, args: { id: string; data: unknown; version?: number | null }, ctx) => {
          const grant = await ctx.access.grant(name, 'update');
          const data = asObject(args.data);
          ctx.access.assertOwnerInScope(grant, data);
          return grant.service.update(name, args.id, data, ctx.access.actor, typeof args.version === 'number' ? { expectedVersion: args.version } : {});
        },
      };
    if (actions.has('delete'))
      mutation[`delete${tn}`] = {
        type: GraphQLBoolean,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: async (_root, args: { id: string }, ctx) => {
          const { service } = await ctx.access.grant(name, 'delete');
          await service.delete(name, args.id, ctx.access.actor);
          return true;
        },
      };
  }
  // Module fields are camelCase, object fields snake_case api names: they cannot collide.
  Object.assign(query, opts?.moduleQuery ?? {});
  if (!Object.keys(query).length) {
    query._empty = { type: GraphQLBoolean, description: 'No objects are defined yet', resolve: () => null };
  }
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: query }),
    ...(Object.keys(mutation).length ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutation }) } : {}),
  });
}

/**
 * The hidden fields plus every formula field that reads one of them: the record service leaves
 * such a field out of every answer (a hidden value must not leak through a computed one), so the
 * schema leaves it out too.
 */
function withDerived(registry: Registry, object: ObjectDef, hidden: ReadonlySet<string>): ReadonlySet<string> {
  if (hidden.size === 0) return hidden;
  const out = new Set(hidden);
  for (const field of object.fields) {
    if (!field.formula) continue;
    const r = checkFormula(registry, object.name, field.formula.expression);
    if (r.ok && fieldsRead(r.checked).some((x) => x.object === object.name && hidden.has(x.field))) out.add(field.name);
  }
  return out;
}

function asObject(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('invalid_body', 'data must be a JSON object');
  return value as Record<string, unknown>;
}
