// The tenant calendar's day arithmetic: the one place that decides which day a moment falls on in
// a time zone, and when a day starts there. The store (org service, its daily job), the workflow
// (approval routing) and the engine (goals, incentives, via its calendar module) all ask here.

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })),
    );
  return f;
}

function parts(d: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** The day (YYYY-MM-DD) of a moment on the zone's wall clock. */
export function dayIn(d: Date, timeZone: string): string {
  const p = parts(d, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * The calendar day (YYYY-MM-DD) of a value in the time zone: a date-only string as it is, a
 * datetime (ISO string with an offset or Z, or a Date) on the zone's wall clock. Undefined for
 * anything that is not a date.
 */
export function localDate(value: unknown, timeZone: string): string | undefined {
  if (typeof value === 'string') {
    if (DATE_ONLY.test(value)) return value;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : dayIn(new Date(ms), timeZone);
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) return dayIn(value, timeZone);
  return undefined;
}

/** The month (YYYY-MM) of a value in the time zone (see localDate). */
export function localMonth(value: unknown, timeZone: string): string | undefined {
  return localDate(value, timeZone)?.slice(0, 7);
}

/** Today on the zone's wall clock. */
export function localToday(timeZone: string, now: Date = new Date()): string {
  return dayIn(now, timeZone);
}

/** How far the zone's wall clock is ahead of UTC at a moment, in milliseconds. */
function offsetAt(d: Date, timeZone: string): number {
  const p = parts(d, timeZone);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(d.getTime() / 1000) * 1000;
}

/**
 * The first moment of a day in the time zone (its local midnight, or the first wall-clock time
 * after it when a DST jump skips midnight). Two passes settle an offset that changes that night.
 */
export function dayStart(day: string, timeZone: string): Date {
  const midnight = Date.parse(`${day}T00:00:00Z`);
  let at = midnight - offsetAt(new Date(midnight), timeZone);
  at = midnight - offsetAt(new Date(at), timeZone);
  // A skipped midnight puts `at` on the day before: the day starts when the clock reaches it.
  while (dayIn(new Date(at), timeZone) < day) at += 15 * 60_000;
  return new Date(at);
}

/** The day after (or `n` days after) a YYYY-MM-DD day. */
export function addDays(day: string, n = 1): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The calendar day of a column in SQL: a `date` column as it is, a `datetime` (timestamptz) one at
 * the tenant's time zone, bound as a parameter (never spliced): `(col at time zone ?)::date`.
 * `column` is an identifier from the registry, already quoted by the caller.
 */
export function localDateSql(column: string, storage: string, timeZone: string): { text: string; bindings: string[] } {
  if (storage === 'datetime') return { text: `((${column}) at time zone ?::text)::date`, bindings: [timeZone] };
  return { text: `(${column})::date`, bindings: [] };
}
