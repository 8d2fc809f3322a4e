// The org follows every write of a user or org_unit record (REST, GraphQL, upsert, imports,
// cascades), inside the write's own transaction, so the org service can never drift from the
// records. A change made through a record is effective today; a user's or unit's first span
// counts from the beginning. A deprovisioned person — deleted, or deactivated (`active: false`,
// as SCIM and the org-chart connectors do it) — is in no unit and reports to no one from that day,
// so roll-ups, team scope and approvers stop going through them exactly as with any dated move;
// reactivating them opens a new span from the record's unit and manager.
import type { ObjectDef, Registry } from '@attain/meta';
import type { Knex } from 'knex';
import { memberships, unitHistory, type OrgSource } from './read.ts';
import { ensureOrgTables } from './tables.ts';
import { BEGINNING, spanAt, today, type Span } from './timeline.ts';
import { applyPlans, type OrgChangeResult } from './write.ts';

type Row = Record<string, unknown>;
const idText = (v: unknown): string | null => (typeof v === 'string' && v ? v.toLowerCase() : null);

/** Reads the written rows back and moves the timelines of those whose org fields changed. */
export async function followRecordWrite(
  trx: Knex.Transaction,
  schema: string,
  registry: Registry,
  object: ObjectDef,
  ids: readonly string[],
  before: readonly Row[],
  day: string = today(),
): Promise<OrgChangeResult | null> {
  if ((object.name !== 'user' && object.name !== 'org_unit') || !ids.length) return null;
  const src: OrgSource = { q: trx, schema, registry };
  const t = await ensureOrgTables(trx, schema, registry);
  const isUser = object.name === 'user';
  const spec = isUser ? t.user : t.orgUnit;
  if (!spec) return null;
  const [a, b] = isUser ? [t.user?.unit, t.user?.manager] : [t.orgUnit?.parent, t.orgUnit?.head];
  // Only a user with an `active` field can be deactivated; units and users without one are active.
  const active = isUser ? (t.user?.active ?? null) : null;
  const rows = (
    await trx.raw(
      `select id::text as id, ${a ? `${a}::text` : 'null'} as a, ${b ? `${b}::text` : 'null'} as b, deleted_at is not null as gone, ${active ? `${active} is not false` : 'true'} as active from ${spec.table} where id = any(?::uuid[])`,
      [[...ids]],
    )
  ).rows as Array<{ id: string; a: string | null; b: string | null; gone: boolean; active: boolean }>;
  // Rows read before the write carry columns (see records/fields.ts selectList).
  const colOf = (field: string) => registry.field(object.name, field)?.column ?? field;
  const fieldA = colOf(isUser ? 'org_unit_id' : (object.tree?.parentField ?? 'parent_id'));
  const fieldB = colOf(isUser ? 'manager_id' : 'head_id');
  const fieldActive = active ? colOf('active') : null;
  /** Whether this write (de)activated the person; a row without the column read before says nothing. */
  const flipped = (prior: Row | undefined, r: { active: boolean }) => !!prior && !!fieldActive && fieldActive in prior && (prior[fieldActive] !== false) !== r.active;
  const history = isUser
    ? (
        await memberships(
          src,
          rows.map((r) => r.id),
        )
      ).map((m) => ({ id: m.user_id, a: m.org_unit_id, b: m.manager_id, valid_from: m.valid_from, valid_to: m.valid_to }))
    : (
        await unitHistory(
          src,
          rows.map((r) => r.id),
        )
      ).map((u) => ({ id: u.unit_id, a: u.parent_id, b: u.head_id, valid_from: u.valid_from, valid_to: u.valid_to }));
  const plan = new Map<string, Span<{ a: string | null; b: string | null }>[]>();
  const from = new Map<string, string>();
  for (const r of rows) {
    const prior = before.find((x) => idText(x.id) === r.id);
    const spans = history.filter((h) => h.id === r.id);
    const now = spanAt(
      spans.map((h) => ({ value: { a: h.a, b: h.b }, valid_from: h.valid_from, valid_to: h.valid_to })),
      day,
    );
    // A field the object does not have (a unit without head_id) cannot state anything: the org keeps its answer.
    const stated = { a: a ? r.a : (now?.value.a ?? null), b: b ? r.b : (now?.value.b ?? null) };
    const after = r.gone || !r.active ? null : stated;
    const switched = flipped(prior, r);
    // An update that leaves the org fields (and the person's being active) alone changes nothing
    // here: a back-dated or future move imported meanwhile stands.
    if (prior && !r.gone && !switched && (!a || idText(prior[fieldA]) === stated.a) && (!b || idText(prior[fieldB]) === stated.b)) continue;
    // A write that states what the org already says for today (a create seeded with the org, or
    // the record catching up with an import — of an inactive person too) keeps the timeline,
    // future-dated spans included.
    if (now && !r.gone && !switched && now.value.a === stated.a && now.value.b === stated.b) continue;
    if (!now && !after) continue;
    const start = spans.length ? day : BEGINNING;
    plan.set(r.id, after ? [{ value: after, valid_from: start, valid_to: null }] : []);
    from.set(r.id, start);
  }
  if (!plan.size) return null;
  const toM = new Map([...plan].map(([id, s]) => [id, s.map((x) => ({ ...x, value: { org_unit_id: x.value.a, manager_id: x.value.b } }))]));
  const toU = new Map([...plan].map(([id, s]) => [id, s.map((x) => ({ ...x, value: { parent_id: x.value.a, head_id: x.value.b } }))]));
  const result = await applyPlans(src, t, isUser ? toM : new Map(), isUser ? new Map() : toU, { from, source: 'record' });
  return Object.keys(result.from).length ? result : null;
}
