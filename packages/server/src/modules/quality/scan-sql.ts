// One rule → one set-based statement. `checkedSql` is the SELECT of every record the rule looks
// at, with `bad` telling whether it fails and `detail` why; `ruleStatement` wraps it so the one
// statement also stores the failing records as issues and the counts per owner and team. Every
// identifier comes from the registry (quoted by quoteIdent), every value is bound.
import { compileSql } from '@attain/formula';
import { findField, type ObjectDef, type Registry } from '@attain/meta';
import { checkFormula, quoteIdent } from '@attain/store';
import type { RuleDoc } from './kind.ts';

export interface Sql {
  sql: string;
  bindings: unknown[];
}

const sql = (text: string, ...bindings: unknown[]): Sql => ({ sql: text, bindings });
const join = (parts: Sql[], sep: string): Sql => ({ sql: parts.map((p) => p.sql).join(sep), bindings: parts.flatMap((p) => p.bindings) });

/**
 * Patterns of the near-duplicate normalisers, bound as values like everything else. A name loses,
 * in one pass, a trailing company form (a Latin one only after a space or punctuation, so "Zinc"
 * keeps its "inc"; a Chinese one as is) and every space and punctuation mark.
 */
const NAME_NOISE = '([[:space:][:punct:]]+(incorporated|inc|ltd|limited|llc|co|corp|corporation|company|gmbh)|有限责任公司|有限公司|公司)[[:space:][:punct:]]*$|[[:space:][:punct:]]+';
const PHONE_NOISE = '[^0-9]';
const EMAIL_TAG = '\\+[^@]*@';

function normalised(rule: RuleDoc, col: string): Sql {
  if (rule.normalize === 'email') return sql(`nullif(regexp_replace(lower(btrim(${col})), ?, '@'), '')`, EMAIL_TAG);
  // The last ten digits: "+86 138-0013-8000" and "13800138000" are one number.
  if (rule.normalize === 'phone') return sql(`nullif(right(regexp_replace(${col}, ?, '', 'g'), 10), '')`, PHONE_NOISE);
  return sql(`nullif(regexp_replace(lower(${col}), ?, '', 'g'), '')`, NAME_NOISE);
}

export interface ScanTarget {
  registry: Registry;
  schema: string;
  /** The scan's clock, for staleness. */
  now: Date;
}

function objectOf(registry: Registry, name: string): ObjectDef {
  const o = registry.object(name);
  if (!o) throw new Error(`quality: no object "${name}"`);
  return o;
}

function colOf(o: ObjectDef, name: string): string {
  const f = findField(o, name);
  if (!f) throw new Error(`quality: no field "${name}" on "${o.name}"`);
  return `${quoteIdent(o.table)}.${quoteIdent(f.column)}`;
}

/** The SELECT (id, owner_id, title, bad, detail) of the records one rule checks. */
export function checkedSql(rule: RuleDoc, t: ScanTarget): Sql {
  const o = objectOf(t.registry, rule.object);
  const alias = quoteIdent(o.table);
  const from = `${quoteIdent(t.schema)}.${quoteIdent(o.table)} as ${alias}`;
  const owner = `${alias}.${quoteIdent(o.owned ? 'owner_id' : 'created_by')}`;
  const titleField = o.titleField ? findField(o, o.titleField) : undefined;
  const title = titleField ? `${alias}.${quoteIdent(titleField.column)}::text` : `${alias}.id::text`;
  const base = `${alias}.id as id, ${owner} as owner_id, ${title} as title`;
  const live = `${alias}.deleted_at is null`;
  switch (rule.check) {
    case 'completeness': {
      const names = rule.fields ?? [];
      const empty = names.map((n) => `nullif(btrim(${colOf(o, n)}::text), '') is null`);
      const detail = join(
        names.map((n, i) => sql(`case when ${empty[i]} then ?::text end`, n)),
        ', ',
      );
      return join([sql(`select ${base}, (${empty.join(' or ')}) as bad, 'missing: ' || concat_ws(', ', `), detail, sql(`) as detail from ${from} where ${live}`)], '');
    }
    case 'validity': {
      const r = checkFormula(t.registry, o.name, rule.formula ?? '');
      if (!r.ok) throw new Error(`quality: the formula of "${rule.name}" does not check`);
      const c = compileSql(r.checked, { alias: o.table, schema: t.schema, liveColumn: 'deleted_at' });
      // False fails; unknown (a null the formula meets) does not: completeness rules say what must be filled.
      return join([sql(`select ${base}, coalesce((`), c, sql(`) is false, false) as bad, ?::text as detail from ${from} where ${live}`, `fails: ${rule.formula}`)], '');
    }
    case 'uniqueness':
    case 'near_duplicate': {
      const col = colOf(o, rule.field ?? '');
      const key = rule.check === 'uniqueness' ? sql(`${col}::text`) : normalised(rule, col);
      const how = rule.check === 'uniqueness' ? `the same ${rule.field}` : `a ${rule.field} that normalises (${rule.normalize}) alike`;
      return join(
        [
          sql('select id, owner_id, title, (k is not null and count(*) over (partition by k) > 1) as bad, '),
          sql(`'shares ' || ? || ' with ' || (count(*) over (partition by k) - 1) || ' other record(s)' as detail from (select ${base}, `, how),
          key,
          sql(` as k from ${from} where ${live}) _s`),
        ],
        '',
      );
    }
    case 'staleness': {
      // The newest activity per record, aggregated once and hash-joined (not looked up per record).
      let activity = '';
      let last = `${alias}.updated_at`;
      if (rule.activity) {
        const a = objectOf(t.registry, rule.activity.object);
        const ref = quoteIdent(findField(a, rule.activity.field)?.column ?? '');
        activity = ` left join (select ${ref} as record_id, max(updated_at) as at from ${quoteIdent(t.schema)}.${quoteIdent(a.table)} where deleted_at is null and ${ref} is not null group by ${ref}) _act on _act.record_id = ${alias}.id`;
        last = `greatest(${alias}.updated_at, _act.at)`;
      }
      const cutoff = new Date(t.now.getTime() - (rule.days ?? 0) * 86_400_000);
      const parts = [
        sql(
          `select ${base}, ${last} < ?::timestamptz as bad, 'no activity since ' || to_char(${last} at time zone 'UTC', 'YYYY-MM-DD') as detail from ${from}${activity} where ${live}`,
          cutoff.toISOString(),
        ),
      ];
      if (rule.stageField) {
        const stage = findField(o, rule.stageField);
        const closed = (stage?.options ?? []).filter((x) => x.closed).map((x) => x.value);
        parts.push(sql(` and (${colOf(o, rule.stageField)} is null or not (${colOf(o, rule.stageField)}::text = any(?::text[])))`, closed));
      }
      return join(parts, '');
    }
    case 'reference': {
      const f = findField(o, rule.field ?? '');
      const target = objectOf(t.registry, f?.ref?.object ?? '');
      const col = colOf(o, rule.field ?? '');
      // `_ref` can be no object's table (api names start with a letter), so it shadows nothing.
      const x = quoteIdent('_ref');
      const missing = `(${col} is not null and not exists (select 1 from ${quoteIdent(t.schema)}.${quoteIdent(target.table)} as ${x} where ${x}.id = ${col} and ${x}.deleted_at is null))`;
      return sql(`select ${base}, ${missing} as bad, ? || ' refers to a ' || ? || ' that no longer exists' as detail from ${from} where ${live}`, rule.field, target.name);
    }
    case 'plausibility': {
      const col = colOf(o, rule.field ?? '');
      const factor = rule.factor ?? 3;
      return sql(
        `select ${base}, (${col} < _q.lo or ${col} > _q.hi) as bad, ? || ' ' || ${col}::text || ' is outside ' || round(_q.lo::numeric, 2) || ' … ' || round(_q.hi::numeric, 2) as detail
         from ${from}, (select q1 - ?::float8 * (q3 - q1) as lo, q3 + ?::float8 * (q3 - q1) as hi from (select percentile_cont(0.25) within group (order by ${col}) as q1, percentile_cont(0.75) within group (order by ${col}) as q3 from ${from} where ${live}) _p) _q
         where ${live} and ${col} is not null`,
        rule.field,
        factor,
        factor,
      );
    }
  }
}

export interface RuleRun {
  runId: string;
  previousRunId: string | null;
  issueTable: string;
  countTable: string;
}

/** The one statement of a rule: the checked records, their issues and the counts per owner and team. */
export function ruleStatement(rule: RuleDoc, t: ScanTarget, run: RuleRun): Sql {
  const user = t.registry.object('user');
  const unit = user ? findField(user, 'org_unit_id') : undefined;
  // The team is the owner's unit: joined to the few failing rows and to the per-owner counts, not
  // looked up for every record checked.
  const team = user && unit ? `_u.${quoteIdent(unit.column)}` : 'null::uuid';
  const users = user && unit ? `left join ${quoteIdent(t.schema)}.${quoteIdent(user.table)} _u on _u.id = _x.owner_id` : '';
  return join(
    [
      // Title and detail are built for failing records only (the subquery is flattened, so the
      // CASE decides before they are computed).
      sql('with checked as (select id, owner_id, bad, case when bad then title end as title, case when bad then detail end as detail from ('),
      checkedSql(rule, t),
      sql(') _q), '),
      sql(
        `ins as (insert into ${run.issueTable} (run_id, rule, object, record_id, title, owner_id, team_id, detail, is_new)
         select ?, ?, ?, _x.id, left(_x.title, 200), _x.owner_id, ${team}, _x.detail,
                not exists (select 1 from ${run.issueTable} _prev where _prev.run_id = ?::uuid and _prev.rule = ? and _prev.record_id = _x.id)
         from checked _x ${users} where _x.bad returning 1)
         insert into ${run.countTable} (run_id, rule, object, owner_id, team_id, checked, failed)
         select ?, ?, ?, _x.owner_id, ${team}, _x.checked, _x.failed
         from (select owner_id, count(*) as checked, count(*) filter (where bad) as failed from checked group by owner_id) _x ${users}`,
        run.runId,
        rule.name,
        rule.object,
        run.previousRunId,
        rule.name,
        run.runId,
        rule.name,
        rule.object,
      ),
    ],
    '',
  );
}
