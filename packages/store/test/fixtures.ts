import { StoreError, type Store } from '../src/index.ts';

type Doc = Record<string, unknown>;
export const clone = <T>(v: T): T => structuredClone(v);

export function userDoc(): Doc {
  return {
    kind: 'object',
    id: 'obj.user',
    name: 'user',
    label: { en: 'User' },
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 100, 'x-attain': { id: 'user.name' } },
        email: { type: 'string', format: 'email', 'x-attain': { id: 'user.email', unique: true } },
      },
    },
    'x-attain': { owned: false },
  };
}

export function accountDoc(): Doc {
  return {
    kind: 'object',
    id: 'obj.account',
    name: 'account',
    label: { en: 'Account' },
    schema: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', maxLength: 120, 'x-attain': { id: 'account.name', searchable: true } } },
    },
  };
}

export function dealDoc(): Doc {
  return {
    kind: 'object',
    id: 'obj.deal',
    name: 'deal',
    label: { en: 'Deal' },
    schema: {
      type: 'object',
      required: ['name', 'amount', 'stage'],
      properties: {
        name: { type: 'string', maxLength: 100, 'x-attain': { id: 'deal.name', searchable: true } },
        amount: { type: 'number', 'x-attain': { id: 'deal.amount', storage: 'money' } },
        stage: { type: 'string', enum: ['new', 'won', 'lost'], default: 'new', 'x-attain': { id: 'deal.stage' } },
        close_date: { type: 'string', format: 'date', 'x-attain': { id: 'deal.close_date' } },
        closed_at: { type: 'string', format: 'date-time', 'x-attain': { id: 'deal.closed_at' } },
        account_id: { type: 'string', 'x-attain': { id: 'deal.account', ref: { object: 'account', onDelete: 'restrict' } } },
        probability: { type: 'integer', minimum: 0, maximum: 100, 'x-attain': { id: 'deal.probability' } },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, 'x-attain': { id: 'deal.tags' } },
        hot: { type: 'boolean', 'x-attain': { id: 'deal.hot' } },
        note: { type: 'string', maxLength: 200, 'x-attain': { id: 'deal.note' } },
      },
    },
    'x-attain': { indexes: [{ id: 'deal.ix_stage_date', fields: ['stage', 'close_date'] }] },
  };
}

export const baseDocs = (): Doc[] => [userDoc(), accountDoc(), dealDoc()];
export const system = { userId: null, label: 'test' };

export function props(doc: Doc): Record<string, Record<string, unknown>> {
  return (doc.schema as { properties: Record<string, Record<string, unknown>> }).properties;
}

export async function tenantWith(store: Store, name: string, docs: Doc[] = baseDocs()): Promise<void> {
  await store.tenants.create(name);
  await store.metadata.apply(name, docs, { actor: system });
}

export async function columns(store: Store, tenant: string, table: string): Promise<Record<string, { type: string; nullable: boolean }>> {
  const t = await store.tenants.get(tenant);
  const rows = (await store.db.knex
    .select('column_name', 'data_type', 'character_maximum_length', 'is_nullable')
    .from('information_schema.columns')
    .where({ table_schema: t?.schema, table_name: table })) as Array<{ column_name: string; data_type: string; character_maximum_length: number | null; is_nullable: string }>;
  return Object.fromEntries(rows.map((r) => [r.column_name, { type: r.character_maximum_length ? `${r.data_type}(${r.character_maximum_length})` : r.data_type, nullable: r.is_nullable === 'YES' }]));
}

/** The StoreError a promise rejects with; fails the test on success or any other error. */
export async function err(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}
