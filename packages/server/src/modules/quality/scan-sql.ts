// The scan's statements. The per-record rules of an object share one statement (scan-rows.ts);
// each duplicate rule is one statement of its own: `checkedSql` is the SELECT of every record it
// looks at, with `bad` telling whether it fails and `detail` why. `storeStatement` wraps either so
// the one statement also stores the failing records as issues and the counts per owner and team.
// Every identifier comes from the registry (quoted by quoteIdent), every value is bound.
import { findField, type ObjectDef, type Registry } from '@attain/meta';
import { quoteIdent } from '@attain/store';
import type { RuleDoc } from './kind.ts';

export interface Sql {
  sql: string;
  bindings: unknown[];
}

export const sql = (text: string, ...bindings: unknown[]): Sql => ({ sql: text, bindings });
export const join = (parts: Sql[], sep: string): Sql => ({ sql: parts.map((p) => p.sql).join(sep), bindings: parts.flatMap((p) => p.bindings) });

/**
 * Patterns of the near-duplicate normalisers, bound as values like everything else. A name loses a
 * trailing company form (a Latin one only after a space or punctuation, so "Zinc" keeps its "inc";
 * a Chinese one as is) and every space and punctuation mark. The form is stripped from the front of
 * the reversed name: a pattern anchored at the start is tried once, where one anchored at the end
 * is tried from every position (the same result as one `...$|[[:space:][:punct:]]+` pass, for
 * about two thirds of its time; quality-normalise.test.ts compares them).
 */
const PUNCT = '[[:space:][:punct:]]';
const LATIN_FORMS = ['incorporated', 'inc', 'ltd', 'limited', 'llc', 'co', 'corp', 'corporation', 'company', 'gmbh'];
const CHINESE_FORMS = ['有限责任公司', '有限公司', '公司'];
const rev = (x: string) => [...x].reverse().join('');
export const NAME_FORM_REVERSED = `^${PUNCT}*((${LATIN_FORMS.map(rev).join('|')})${PUNCT}+|${CHINESE_FORMS.map(rev).join('|')})`;
export const NAME_NOISE = `${PUNCT}+`;
/** The single pass the reversed form replaced, kept to show they agree (quality-normalise.test.ts). */
export const NAME_NOISE_ONE_PASS = `(${PUNCT}+(${LATIN_FORMS.join('|')})|${CHINESE_FORMS.join('|')})${PUNCT}*$|${PUNCT}+`;
const PHONE_NOISE = '[^0-9]';
const EMAIL_TAG = '\\+[^@]*@';

export function normalised(rule: RuleDoc, col: string): Sql {
  if (rule.normalize === 'email') return sql(`nullif(regexp_replace(lower(btrim(${col})), ?, '@'), '')`, EMAIL_TAG);
  // The last ten digits: "+86 138-0013-8000" and "13800138000" are one number.
  if (rule.normalize === 'phone') return sql(`nullif(right(regexp_replace(${col}, ?, '', 'g'), 10), '')`, PHONE_NOISE);
  return sql(`nullif(regexp_replace(reverse(regexp_replace(reverse(lower(${col})), ?, '')), ?, '', 'g'), '')`, NAME_FORM_REVERSED, NAME_NOISE);
}

export interface ScanTarget {
  registry: Registry;
  schema: string;
  /** The scan's clock, for staleness. */
  now: Date;
}

export function objectOf(registry: Registry, name: string): ObjectDef {
  const o = registry.object(name);
  if (!o) throw new Error(`quality: no object "${name}"`);
  return o;
}

export function colOf(o: ObjectDef, name: string): string {
  const f = findField(o, name);
  if (!f) throw new Error(`quality: no field "${name}" on "${o.name}"`);
  return `${quoteIdent(o.table)}.${quoteIdent(f.column)}`;
}

/** The SELECT (id, owner_id, title, bad, detail) of the records a duplicate rule (uniqueness, near_duplicate) checks. */
export function checkedSql(rule: RuleDoc, t: ScanTarget): Sql {
  const o = objectOf(t.registry, rule.object);
  const alias = quoteIdent(o.table);
  const from = `${quoteIdent(t.schema)}.${quoteIdent(o.table)} as ${alias}`;
  const owner = `${alias}.${quoteIdent(o.owned ? 'owner_id' : 'created_by')}`;
  const titleField = o.titleField ? findField(o, o.titleField) : undefined;
  const title = titleField ? `${alias}.${quoteIdent(titleField.column)}::text` : `${alias}.id::text`;
  const base = `${alias}.id as id, ${owner} as owner_id, ${title} as title`;
  const col = colOf(o, rule.field ?? '');
  const key = rule.check === 'uniqueness' ? sql(`${col}::text`) : normalised(rule, col);
  const how = rule.check === 'uniqueness' ? `the same ${rule.field}` : `a ${rule.field} that normalises (${rule.normalize}) alike`;
  // The key in byte order (collation "C"): the groups are the same as under the database's
  // (deterministic) collation, and the sort skips the locale's string comparison. Collated in the
  // inner select, so the outer `k` is the sorted column, not the normaliser computed again.
  return join(
    [
      sql('select id, owner_id, title, (k is not null and count(*) over (partition by k) > 1) as bad, '),
      sql(`'shares ' || ? || ' with ' || (count(*) over (partition by k) - 1) || ' other record(s)' as detail from (select ${base}, (`, how),
      key,
      sql(`) collate "C" as k from ${from} where ${alias}.deleted_at is null) _s`),
    ],
    '',
  );
}

export interface RuleRun {
  runId: string;
  previousRunId: string | null;
  issueTable: string;
  countTable: string;
}

export interface StoreParts {
  /** The failing records: (id, owner_id, title, rule, bad, detail). */
  failing: Sql;
  /** The records checked per owner and rule: (owner_id, rule, checked), no row where nothing was checked. */
  checked: Sql;
  object: string;
  rules: string[];
  t: ScanTarget;
  run: RuleRun;
}

/**
 * The statement that stores the failing records as issues (new: not an issue of the same rule and
 * record in the previous run, found by one hash anti-join with that run's issues rather than a
 * probe per issue) and the counts per rule, owner and team: checked from a plain aggregate over the
 * object, failed from the issues just written. So the rules' verdicts are computed once and streamed
 * into the issues, never held for every record.
 */
export function storeStatement(p: StoreParts): Sql {
  const user = p.t.registry.object('user');
  const unit = user ? findField(user, 'org_unit_id') : undefined;
  // The team is the owner's unit: joined to the failing rows and to the per-owner counts, not
  // looked up for every record checked.
  const team = user && unit ? `_u.${quoteIdent(unit.column)}` : 'null::uuid';
  const users = user && unit ? ` left join ${quoteIdent(p.t.schema)}.${quoteIdent(user.table)} _u on _u.id = _x.owner_id` : '';
  const { issueTable, countTable, runId, previousRunId } = p.run;
  return join(
    [
      sql(
        `with ins as (insert into ${issueTable} (run_id, rule, object, record_id, title, owner_id, team_id, detail, is_new) select ?::uuid, _x.rule, ?, _x.id, left(_x.title, 200), _x.owner_id, ${team}, _x.detail, _prev.record_id is null from (`,
        runId,
        p.object,
      ),
      p.failing,
      sql(
        `) _x${users} left join (select rule, record_id from ${issueTable} where run_id = ?::uuid and rule = any(?::text[])) _prev on _prev.rule = _x.rule and _prev.record_id = _x.id where _x.bad returning rule, owner_id),
         failed as (select rule, owner_id, count(*) as n from ins group by rule, owner_id)
         insert into ${countTable} (run_id, rule, object, owner_id, team_id, checked, failed)
         select ?::uuid, _x.rule, ?, _x.owner_id, ${team}, _x.checked, coalesce(_f.n, 0)
         from (`,
        previousRunId,
        p.rules,
        runId,
        p.object,
      ),
      p.checked,
      sql(`) _x left join failed _f on _f.rule = _x.rule and _f.owner_id is not distinct from _x.owner_id${users}`),
    ],
    '',
  );
}

/** Live records per owner of an object, with `counts` (e.g. `count(*) as c0`) beside. */
export function perOwner(o: ObjectDef, t: ScanTarget, counts: Sql): Sql {
  const alias = quoteIdent(o.table);
  const owner = `${alias}.${quoteIdent(o.owned ? 'owner_id' : 'created_by')}`;
  return join([sql(`select ${owner} as owner_id, `), counts, sql(` from ${quoteIdent(t.schema)}.${quoteIdent(o.table)} as ${alias} where ${alias}.deleted_at is null group by ${owner}`)], '');
}

/** The one statement of a duplicate rule. */
export function duplicateStatement(rule: RuleDoc, t: ScanTarget, run: RuleRun): Sql {
  // Title and detail are built for failing records only (the subquery is flattened, so the CASE
  // decides before they are computed).
  const failing = join(
    [sql('select id, owner_id, case when bad then title end as title, ?::text as rule, bad, case when bad then detail end as detail from (', rule.name), checkedSql(rule, t), sql(') _q where bad')],
    '',
  );
  return storeStatement({
    failing,
    checked: join([sql('select owner_id, ?::text as rule, checked from (', rule.name), perOwner(objectOf(t.registry, rule.object), t, sql('count(*) as checked')), sql(') _c')], ''),
    object: rule.object,
    rules: [rule.name],
    t,
    run,
  });
}
