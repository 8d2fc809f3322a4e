// Api names become SQL identifiers, GraphQL names and JS property names, so they must be safe in
// all three. The pattern alone is not enough: reserved words of each language are refused too.

export const API_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

const SQL_RESERVED = `all analyse analyze and any array as asc asymmetric authorization binary both case cast
check collate collation column concurrently constraint create cross current_catalog current_date
current_role current_schema current_time current_timestamp current_user default deferrable desc
distinct do else end except false fetch for foreign freeze from full grant group having ilike in
initially inner intersect into is isnull join lateral leading left like limit localtime
localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
references returning right select session_user similar some symmetric system_user table tablesample
then to trailing true union unique user using variadic verbose when where window with between
bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout
int integer interval least national nchar none normalize nullif numeric out overlay position
precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes
xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
xmltable delete insert update drop alter truncate schema database index view sequence trigger
function procedure begin commit rollback`;

const GRAPHQL_RESERVED = `query mutation subscription fragment type interface enum scalar input
union directive schema extend implements on true false null typename`;

const JS_RESERVED = `break case catch class const continue debugger default delete do else export
extends finally for function if import in instanceof new return super switch this throw try typeof
var void while with yield let static enum await implements package protected interface private
public null true false undefined nan infinity constructor prototype proto arguments eval
hasownproperty tostring valueof isprototypeof propertyisenumerable tolocalestring __proto__
__definegetter__ __definesetter__ __lookupgetter__ __lookupsetter__`;

// PostgreSQL system columns: a table cannot have a user column with these names, quoted or not.
const PG_SYSTEM_COLUMNS = 'oid tableoid xmin xmax cmin cmax ctid';

// Words of the filter language and REST query string; a field with these names would be ambiguous.
const QUERY_WORDS = 'and or not filter sort limit offset after before count fields q';

// Everyday business nouns that SQL reserves. Attain always double-quotes identifiers, so these
// are safe as table and column names, and refusing them would forbid objects like "order".
const QUOTED_SQL_ALLOWED = new Set(['user', 'order', 'group', 'position', 'time', 'check', 'window', 'row', 'interval', 'values']);

const RESERVED = new Set(
  [SQL_RESERVED, GRAPHQL_RESERVED, JS_RESERVED, PG_SYSTEM_COLUMNS, QUERY_WORDS].flatMap((list) => list.split(/\s+/).filter(Boolean)).filter((word) => !QUOTED_SQL_ALLOWED.has(word)),
);

/** Columns every table has; authored fields may not use these names. */
export const SYSTEM_FIELD_NAMES = ['id', 'external_id', 'owner_id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'deleted_at', 'version'] as const;
const SYSTEM_NAMES = new Set<string>(SYSTEM_FIELD_NAMES);

export function isReservedWord(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

export function isSystemFieldName(name: string): boolean {
  return SYSTEM_NAMES.has(name);
}

/** Why a name cannot be an api name, or undefined when it can. */
export function apiNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a text value';
  if (!API_NAME_PATTERN.test(name)) {
    return 'must start with a lower-case letter and use only a-z, 0-9 and _ (at most 63 characters)';
  }
  if (name.startsWith('pg_') || name.startsWith('attain_') || name.includes('__')) {
    return 'must not start with pg_ or attain_ nor contain a double underscore (reserved for the platform)';
  }
  if (isReservedWord(name)) return `"${name}" is a reserved word of SQL, GraphQL or JavaScript`;
  return undefined;
}

/** Double-quotes an identifier that already passed the api-name rule; refuses anything else. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`refusing to quote unsafe identifier ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}
