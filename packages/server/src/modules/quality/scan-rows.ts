// The per-record checks (completeness, validity, staleness, reference, plausibility) of one object,
// in one statement: one pass over the object's table decides every rule (`s<i>` whether the rule
// checks the record, `b<i>` whether it fails, `d<i>` why), then the failing pairs are stored as
// issues and the checked and failed records counted per rule, owner and team. Every identifier
// comes from the registry (quoted by quoteIdent), every value is bound.
import { compileSql } from '@attain/formula';
import { findField, type ObjectDef } from '@attain/meta';
import { checkFormula, quoteIdent } from '@attain/store';
import type { RuleDoc } from './kind.ts';
import { colOf, join, objectOf, perOwner, sql, storeStatement, type RuleRun, type ScanTarget, type Sql } from './scan-sql.ts';

export const ROW_CHECKS = new Set(['completeness', 'validity', 'staleness', 'reference', 'plausibility']);

interface RowCheck {
  /** FROM items it needs beside the object's table (aliases numbered by the rule's place). */
  joins: Sql[];
  /** Which live records the rule checks; absent: all of them. */
  scope?: Sql;
  bad: Sql;
  detail: Sql;
}

function rowCheck(rule: RuleDoc, i: number, t: ScanTarget, o: ObjectDef): RowCheck {
  const alias = quoteIdent(o.table);
  switch (rule.check) {
    case 'completeness': {
      const names = rule.fields ?? [];
      const empty = names.map((n) => `nullif(btrim(${colOf(o, n)}::text), '') is null`);
      const detail = join(
        names.map((n, k) => sql(`case when ${empty[k]} then ?::text end`, n)),
        ', ',
      );
      return { joins: [], bad: sql(`(${empty.join(' or ')})`), detail: join([sql(`'missing: ' || concat_ws(', ', `), detail, sql(')')], '') };
    }
    case 'validity': {
      const r = checkFormula(t.registry, o.name, rule.formula ?? '');
      if (!r.ok) throw new Error(`quality: the formula of "${rule.name}" does not check`);
      const c = compileSql(r.checked, { alias: o.table, schema: t.schema, liveColumn: 'deleted_at' });
      // False fails; unknown (a null the formula meets) does not: completeness rules say what must be filled.
      return { joins: [], bad: join([sql('coalesce(('), c, sql(') is false, false)')], ''), detail: sql('?::text', `fails: ${rule.formula}`) };
    }
    case 'staleness': {
      // The newest activity per record, aggregated once and hash-joined (not looked up per record).
      const joins: Sql[] = [];
      let last = `${alias}.updated_at`;
      if (rule.activity) {
        const a = objectOf(t.registry, rule.activity.object);
        const ref = quoteIdent(findField(a, rule.activity.field)?.column ?? '');
        const act = `_act${i}`;
        joins.push(
          sql(
            ` left join (select ${ref} as record_id, max(updated_at) as at from ${quoteIdent(t.schema)}.${quoteIdent(a.table)} where deleted_at is null and ${ref} is not null group by ${ref}) ${act} on ${act}.record_id = ${alias}.id`,
          ),
        );
        last = `greatest(${alias}.updated_at, ${act}.at)`;
      }
      const cutoff = new Date(t.now.getTime() - (rule.days ?? 0) * 86_400_000);
      let scope: Sql | undefined;
      if (rule.stageField) {
        const stage = findField(o, rule.stageField);
        const closed = (stage?.options ?? []).filter((x) => x.closed).map((x) => x.value);
        const col = colOf(o, rule.stageField);
        scope = sql(`(${col} is null or not (${col}::text = any(?::text[])))`, closed);
      }
      return {
        joins,
        ...(scope ? { scope } : {}),
        bad: sql(`(${last} < ?::timestamptz)`, cutoff.toISOString()),
        detail: sql(`'no activity since ' || to_char(${last} at time zone 'UTC', 'YYYY-MM-DD')`),
      };
    }
    case 'reference': {
      const f = findField(o, rule.field ?? '');
      const target = objectOf(t.registry, f?.ref?.object ?? '');
      const col = colOf(o, rule.field ?? '');
      // The live targets hash-joined once (ids are unique: no record is repeated), not probed per record.
      const ref = `_ref${i}`;
      return {
        joins: [sql(` left join (select id from ${quoteIdent(t.schema)}.${quoteIdent(target.table)} where deleted_at is null) ${ref} on ${ref}.id = ${col}`)],
        bad: sql(`(${col} is not null and ${ref}.id is null)`),
        detail: sql(`? || ' refers to a ' || ? || ' that no longer exists'`, rule.field, target.name),
      };
    }
    case 'plausibility': {
      const col = colOf(o, rule.field ?? '');
      const factor = rule.factor ?? 3;
      const q = `_q${i}`;
      const from = `${quoteIdent(t.schema)}.${quoteIdent(o.table)}`;
      const bare = quoteIdent(findField(o, rule.field ?? '')?.column ?? '');
      return {
        joins: [
          sql(
            ` cross join (select q1 - ?::float8 * (q3 - q1) as lo, q3 + ?::float8 * (q3 - q1) as hi from (select percentile_cont(0.25) within group (order by ${bare}) as q1, percentile_cont(0.75) within group (order by ${bare}) as q3 from ${from} where deleted_at is null) _p) ${q}`,
            factor,
            factor,
          ),
        ],
        scope: sql(`${col} is not null`),
        bad: sql(`(${col} < ${q}.lo or ${col} > ${q}.hi)`),
        detail: sql(`? || ' ' || ${col}::text || ' is outside ' || round(${q}.lo::numeric, 2) || ' … ' || round(${q}.hi::numeric, 2)`, rule.field),
      };
    }
    default:
      throw new Error(`quality: "${rule.check}" is not a per-record check`);
  }
}

/** The one statement of an object's per-record rules (all of `rules` are on `object`, each a ROW_CHECKS check). */
export function rowRulesStatement(object: string, rules: RuleDoc[], t: ScanTarget, run: RuleRun): Sql {
  const o = objectOf(t.registry, object);
  const alias = quoteIdent(o.table);
  const owner = `${alias}.${quoteIdent(o.owned ? 'owner_id' : 'created_by')}`;
  const titleField = o.titleField ? findField(o, o.titleField) : undefined;
  const title = titleField ? `${alias}.${quoteIdent(titleField.column)}::text` : `${alias}.id::text`;
  const checks = rules.map((r, i) => rowCheck(r, i, t, o));
  const anyBad = checks.map((_, i) => `b${i}`).join(' or ');
  // Inner: every rule's verdict per live record. Outer (flattened into it): title and details for
  // failing records only, so they are not built for the records that pass.
  const inner = join(
    [
      sql(`select ${alias}.id as id, ${owner} as owner_id, ${title} as title`),
      ...checks.flatMap((c, i) => [sql(', '), c.scope ?? sql('true'), sql(` as s${i}, `), c.bad, sql(` as b${i}, `), c.detail, sql(` as d${i}`)]),
      sql(` from ${quoteIdent(t.schema)}.${quoteIdent(o.table)} as ${alias}`),
      ...checks.flatMap((c) => c.joins),
      sql(` where ${alias}.deleted_at is null`),
    ],
    '',
  );
  const outer = `select id, owner_id, case when ${anyBad} then title end as title, ${checks.map((_, i) => `s${i}, b${i}, case when b${i} then d${i} end as d${i}`).join(', ')} from (`;
  // One row per record and rule it checks, for the rules in `checks` order. `offset 0` keeps the
  // verdicts a subquery computed once per record; flattened, every reference to a verdict would
  // compute its expression again.
  const pairs = join(
    [
      sql(' cross join lateral (values '),
      join(
        rules.map((r, i) => sql(`(?::text, _c.s${i}, _c.b${i}, _c.d${i})`, r.name)),
        ', ',
      ),
      sql(') _r(rule, s, bad, detail) where _r.s'),
    ],
    '',
  );
  const verdicts = join([sql(outer), inner, sql(') _q')], '');
  return storeStatement({
    failing: join(
      [sql('select _c.id, _c.owner_id, _c.title, _r.rule, _r.bad, _r.detail from ('), verdicts, sql(' offset 0) _c'), pairs, sql(` and (${checks.map((_, i) => `_c.b${i}`).join(' or ')})`)],
      '',
    ),
    // Checked per owner in one aggregate over the records (the scopes need no join), then spread into a row per rule.
    checked: join(
      [
        sql('select _a.owner_id, _r.rule, _r.checked from ('),
        perOwner(
          o,
          t,
          join(
            checks.map((c, i) => join([sql('count(*) filter (where '), c.scope ?? sql('true'), sql(`) as c${i}`)], '')),
            ', ',
          ),
        ),
        sql(') _a cross join lateral (values '),
        join(
          rules.map((r, i) => sql(`(?::text, _a.c${i})`, r.name)),
          ', ',
        ),
        sql(') _r(rule, checked) where _r.checked > 0'),
      ],
      '',
    ),
    object,
    rules: rules.map((r) => r.name),
    t,
    run,
  });
}
