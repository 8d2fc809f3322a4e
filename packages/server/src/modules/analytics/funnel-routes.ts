// `GET /analytics/funnel`: the stage funnel of an object with a stage field, over the records the
// caller may read (the list routes' scope), grouped by a dimension, with a creation-month cohort.
import { findField, type FieldDef } from '@attain/meta';
import { tenantCalendar } from '@attain/engine';
import { calendar, isUuid } from '@attain/store';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../http/errors.ts';
import { replies } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Filter, Store } from '../../store-port.ts';
import { figuresOf } from './funnel-figures.ts';
import { recordCounts, rollupTimes, stageTimes, type FunnelSource } from './funnel-query.ts';
import { rolledUp } from './funnel-rollup.ts';
import { funnelResponse } from './funnel-schema.ts';
import { funnelStages } from './funnel-stages.ts';
import { funnelTables } from './funnel-tables.ts';
import { teamField, wantsTeam, withTeam } from './funnel-team.ts';
import { isDay } from './kind.ts';

const NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const DAY = { type: 'string', maxLength: 10 } as const;
/** Dimension shorthands: `owner` is the record's owner, `source` and `product` the fields of those names (`team`: funnel-team.ts). */
const BY_ALIASES: Record<string, string[]> = { owner: ['owner_id'], source: ['source', 'lead_source'], product: ['product_id', 'product'] };
/** More keys than this is no funnel anyone reads; the caller groups by a coarser field. */
const MAX_GROUPS = 1000;
const GROUPABLE = new Set(['text', 'email', 'enum', 'boolean', 'ref', 'integer']);

const bad = (path: string, rule: string, message: string) => new ApiError(400, 'invalid_funnel', message, [{ path, rule, message }]);

export interface FunnelQuery {
  object: string;
  from?: string;
  to?: string;
  by?: string;
  cohort?: 'month';
  asOf?: string;
}

function byField(access: AccessContext, object: string, by: string | undefined, hidden: ReadonlySet<string>): FieldDef | undefined {
  if (by === undefined) return undefined;
  const o = access.object(object);
  const name = (Object.hasOwn(BY_ALIASES, by) ? (BY_ALIASES[by] as string[]) : [by]).find((n) => findField(o, n)) ?? by;
  const f = findField(o, name);
  if (!f) throw bad('/by', 'unknown_field', `"${object}" has no field "${by}"`);
  // Refused before anything else is said about it (its type included), as a filter refuses it.
  if (hidden.has(f.name)) throw new ApiError(403, 'field_hidden', `You may not use the field "${f.name}"`, [{ path: '/by', rule: 'field_hidden', message: `"${f.name}" is not readable for you` }]);
  if (!GROUPABLE.has(f.storage)) throw bad('/by', 'groupable', `"${by}" is a ${f.storage} field; group by text, enum, boolean, integer or reference fields`);
  return f;
}

/** Titles of the referenced records the caller may read (others keep their id only). */
async function refLabels(access: AccessContext, f: FieldDef | undefined, keys: string[]): Promise<Map<string, string>> {
  const target = f?.ref?.object;
  if (!target || keys.length === 0 || !access.permission(target).actions.has('read')) return new Map();
  const grant = await access.grant(target, 'read');
  const o = access.object(target);
  const recs = await grant.service.getMany(target, keys.slice(0, 1000));
  return new Map(recs.map((r) => [String(r.id), String(r[o.titleField] ?? r.id)]));
}

export async function runFunnel(store: Store, access: AccessContext, q: FunnelQuery) {
  const o = access.object(q.object);
  const stages = funnelStages(o);
  if (!stages) throw bad('/object', 'stage_field', `"${o.name}" has no enum field named "stage", so it has no funnel`);
  for (const k of ['from', 'to', 'asOf'] as const) {
    const day = q[k];
    if (day !== undefined && !isDay(day)) throw bad(`/${k}`, 'date', `${k} must be a calendar day YYYY-MM-DD`);
    if (day !== undefined && (day < '1900-01-01' || day > '9998-12-31')) throw bad(`/${k}`, 'range', `${k} must be a day from 1900 to 9998`);
  }
  if (q.from && q.to && q.from > q.to) throw bad('/from', 'order', 'from must not be after to');
  const grant = await access.grant(o.name, 'read');
  const team = wantsTeam(o, q.by) ? await teamField(access, o) : undefined;
  const by = team ? team.field : byField(access, o.name, q.by, grant.perm.hiddenFields);
  const cal = await tenantCalendar(store, access.tenantName);
  const amount = o.fields.find((f) => f.name === 'amount' && !grant.perm.hiddenFields.has('amount'));
  const range = q.from || q.to ? { from: q.from ?? null, to: q.to ?? null } : null;
  // Created from the start of `from` to the end of `to` on the tenant's wall clock; an open end stays open.
  const created: Record<string, string> = {};
  if (q.from) created.gte = calendar.dayStart(q.from, cal.timeZone).toISOString();
  if (q.to) created.lt = calendar.dayStart(calendar.addDays(q.to, 1), cal.timeZone).toISOString();
  const filter = range ? ({ created_at: created } as Filter) : undefined;
  const dimFields = team ? ['owner_id'] : by ? [by.name] : [];
  const fields = [stages.field.name, ...(amount ? [amount.name] : []), ...dimFields];
  const port = await store.port(access.tenantName, funnelTables);
  const asOf = q.asOf ? calendar.dayStart(q.asOf, cal.timeZone).toISOString() : new Date().toISOString();
  // Stage times come from the histogram when it answers this question exactly (funnel-rollup.ts):
  // no creation range, grouped by nothing or the scope owner, and the object's histogram built.
  const byOwner = by !== undefined && !team && o.owned && by.name === 'owner_id';
  const [codeRows, rolled] = await Promise.all([
    port.table('stage_code').where({ object: o.name }).select('stage', 'code') as Promise<Array<{ stage: string; code: number }>>,
    !range && (by === undefined || byOwner) ? rolledUp(port, o.name) : false,
  ]);
  const codes = new Map(codeRows.map((r) => [r.stage, Number(r.code)]));
  // Time in stage reads only the grouping key from the records: its scoped rows stay narrow.
  const src = (only?: string[]): FunnelSource => ({
    knex: port.knex,
    summary: port.name('stage_record'),
    codes,
    object: o.name,
    rows: ((rows) => (team ? withTeam(port.knex, rows, team.users) : rows))(grant.service.scopedRows(o.name, { fields: only ?? fields, ...(filter ? { filter } : {}) })),
    stages,
    amount,
    by,
    cohort: q.cohort === 'month',
    asOf,
    timeZone: cal.timeZone,
  });
  // The caller's record scope as the store applies it (owners as lower-case uuids; none: nothing).
  const owners = grant.access.rowFilter?.ownerIn.filter(isUuid).map((id) => id.toLowerCase());
  // Both built inside the list: a refusal building the scoped rows then leaves no query running unobserved.
  const [records, timesRows] = await Promise.all([
    recordCounts(src()),
    rolled ? rollupTimes({ knex: port.knex, histogram: port.name('stage_time'), object: o.name, codes, stages, owners, byOwner }) : stageTimes(src(dimFields)),
  ]);
  const total = figuresOf(
    stages,
    records.counts.filter((r) => r.total),
    records.won.find((r) => r.total),
    timesRows.filter((r) => r.total),
  );
  // Rows per grouping key, bucketed once (a key's funnel reads only its own rows).
  const bucket = <T extends { total: boolean; dim: string | null }>(rows: T[]) => {
    const out = new Map<string | null, T[]>();
    for (const r of rows) if (!r.total) out.set(r.dim, [...(out.get(r.dim) ?? []), r]);
    return out;
  };
  const countsBy = bucket(records.counts);
  const timesBy = bucket(timesRows);
  const keys = [...countsBy.keys()];
  if (keys.length > MAX_GROUPS) throw bad('/by', 'too_many_groups', `"${q.by}" has ${keys.length} values; group by a field with at most ${MAX_GROUPS}`);
  const labels = await refLabels(
    access,
    by,
    keys.filter((k): k is string => k !== null),
  );
  const groups = keys
    .sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map((key) => ({
      key,
      label: key === null ? null : (labels.get(key) ?? key),
      funnel: figuresOf(
        stages,
        countsBy.get(key) ?? [],
        records.won.find((r) => !r.total && r.dim === key),
        timesBy.get(key) ?? [],
      ),
    }));
  // The cohort: the total's rows by creation month and the stage each record is in now.
  const cohortRows = records.counts.filter((r) => r.total && r.month !== null);
  const months = [...new Set(cohortRows.map((r) => r.month as string))].sort();
  return {
    object: o.name,
    stageField: stages.field.name,
    stages: { open: stages.open, won: stages.won, lost: stages.lost },
    period: range,
    asOf,
    by: by?.name ?? null,
    total,
    groups,
    cohort: q.cohort
      ? months.map((month) => {
          const byStage = new Map<string, number>();
          for (const r of cohortRows) if (r.month === month) byStage.set(r.stage ?? '', (byStage.get(r.stage ?? '') ?? 0) + r.n);
          return { month, created: [...byStage.values()].reduce((a, n) => a + n, 0), stages: Object.fromEntries(byStage) };
        })
      : null,
  };
}

export async function funnelRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  app.get(
    '/analytics/funnel',
    {
      config: { summary: 'Stage funnel of an object: conversion, time in stage, aging, velocity, cohorts', tags: ['analytics'] },
      schema: {
        querystring: {
          type: 'object',
          required: ['object'],
          additionalProperties: false,
          properties: { object: NAME, from: DAY, to: DAY, asOf: DAY, by: { type: 'string', maxLength: 63 }, cohort: { enum: ['month'] } },
        },
        response: replies({ 200: funnelResponse }),
      },
    },
    async (request) => ({ data: await runFunnel(opts.store, requireAccess(request), request.query as FunnelQuery) }),
  );
}
