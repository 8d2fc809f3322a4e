import type { SandboxErrorDetail } from './errors.ts';

/**
 * The install-time fields of a plugin manifest (product range, localized description, scheduled
 * jobs, settings schema). Kept apart from manifest.ts, which owns what the isolate enforces.
 */

export type LocalizedText = string | { en: string; 'zh-CN'?: string };

export interface PluginJob {
  /** Hook `job:<name>` runs on this schedule. */
  name: string;
  /** `hourly`, `daily`, `daily@HH:MM` (UTC) or `every:<minutes>m` (5..1440). */
  schedule: string;
}

/** A JSON schema (type object) for the plugin's settings; a property with `secret: true` is never returned to clients. */
export type SettingsSchema = Record<string, unknown> & { type: 'object'; properties?: Record<string, Record<string, unknown>> };

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
const COMPARATOR = /^(\^|~|>=|<=|>|<|=)?(\d+)\.(\d+)\.(\d+)$/;
const JOB_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const SCHEDULE = /^(?:hourly|daily|daily@([01]\d|2[0-3]):([0-5]\d)|every:(\d{1,4})m)$/;

type Triple = [number, number, number];
const cmp = (a: Triple, b: Triple): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator as a predicate on a version, or null when it does not parse. */
function comparator(text: string): ((v: Triple) => boolean) | null {
  if (text === '*' || text === 'x') return () => true;
  const m = COMPARATOR.exec(text);
  if (!m) return null;
  const t: Triple = [Number(m[2]), Number(m[3]), Number(m[4])];
  switch (m[1] ?? '=') {
    case '^':
      // ^0.y.z pins the minor (semver's rule for 0.x releases).
      return (v) => cmp(v, t) >= 0 && (t[0] > 0 ? v[0] === t[0] : v[0] === 0 && v[1] === t[1]);
    case '~':
      return (v) => cmp(v, t) >= 0 && v[0] === t[0] && v[1] === t[1];
    case '>=':
      return (v) => cmp(v, t) >= 0;
    case '<=':
      return (v) => cmp(v, t) <= 0;
    case '>':
      return (v) => cmp(v, t) > 0;
    case '<':
      return (v) => cmp(v, t) < 0;
    default:
      return (v) => cmp(v, t) === 0;
  }
}

/** Parses a range (`^0.1.0`, `>=0.1.0 <2.0.0`, alternatives joined by `||`); null when malformed. */
export function parseRange(range: string): ((version: string) => boolean) | null {
  if (range.length === 0 || range.length > 200) return null;
  const alternatives: Array<Array<(v: Triple) => boolean>> = [];
  for (const alt of range.split('||')) {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return null;
    const preds = parts.map(comparator);
    if (preds.some((p) => p === null)) return null;
    alternatives.push(preds as Array<(v: Triple) => boolean>);
  }
  return (version) => {
    const m = VERSION.exec(version.split('-')[0] ?? '');
    if (!m) return false;
    const v: Triple = [Number(m[1]), Number(m[2]), Number(m[3])];
    return alternatives.some((preds) => preds.every((p) => p(v)));
  };
}

export function rangeSatisfied(range: string, version: string): boolean {
  return parseRange(range)?.(version) ?? false;
}

export function checkLocalized(value: unknown, path: string, max: number, details: SandboxErrorDetail[]): LocalizedText | undefined {
  if (typeof value === 'string' && value.length <= max) return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const extra = Object.keys(v).filter((k) => k !== 'en' && k !== 'zh-CN');
    const ok = (t: unknown): t is string => typeof t === 'string' && t.length <= max;
    if (extra.length === 0 && ok(v.en) && (v['zh-CN'] === undefined || ok(v['zh-CN']))) {
      return v['zh-CN'] === undefined ? { en: v.en } : { en: v.en, 'zh-CN': v['zh-CN'] as string };
    }
  }
  details.push({ path, rule: 'type', message: `must be text of at most ${max} characters, or {en, zh-CN}` });
  return undefined;
}

export function checkRange(value: unknown, details: SandboxErrorDetail[]): string | undefined {
  if (typeof value === 'string' && parseRange(value) !== null) return value;
  details.push({ path: 'attain', rule: 'semverRange', message: 'must be a semver range of Attain versions, e.g. "^0.1.0" or ">=0.1.0 <1.0.0"' });
  return undefined;
}

export function checkJobs(value: unknown, details: SandboxErrorDetail[]): PluginJob[] {
  if (!Array.isArray(value) || value.length > 20) {
    details.push({ path: 'jobs', rule: 'type', message: 'must be a list of at most 20 {name, schedule}' });
    return [];
  }
  const out: PluginJob[] = [];
  value.forEach((job: unknown, i) => {
    const at = `jobs[${i}]`;
    const j = (job !== null && typeof job === 'object' ? job : {}) as Record<string, unknown>;
    const extra = Object.keys(j).filter((k) => k !== 'name' && k !== 'schedule');
    if (extra.length > 0) details.push({ path: `${at}.${extra[0]}`, rule: 'additionalProperties', message: `unknown field "${extra[0]}"` });
    if (typeof j.name !== 'string' || !JOB_NAME.test(j.name)) {
      details.push({ path: `${at}.name`, rule: 'pattern', message: 'lower-case letters, digits and "_"' });
      return;
    }
    if (out.some((o) => o.name === j.name)) {
      details.push({ path: `${at}.name`, rule: 'uniqueItems', message: `duplicate job "${j.name}"` });
      return;
    }
    if (scheduleMinutes(j.schedule) === null) {
      details.push({ path: `${at}.schedule`, rule: 'schedule', message: 'must be "hourly", "daily", "daily@HH:MM" (UTC) or "every:<minutes>m" (5 to 1440)' });
      return;
    }
    out.push({ name: j.name, schedule: j.schedule as string });
  });
  return out;
}

/** Minutes between runs, or null when the schedule is malformed. */
export function scheduleMinutes(schedule: unknown): number | null {
  if (typeof schedule !== 'string') return null;
  const m = SCHEDULE.exec(schedule);
  if (!m) return null;
  if (schedule === 'hourly') return 60;
  if (m[3] !== undefined) {
    const n = Number(m[3]);
    return n >= 5 && n <= 1440 ? n : null;
  }
  return 1440;
}

/** The next time a schedule is due strictly after `from`. */
export function nextRun(schedule: string, from: Date): Date {
  const m = SCHEDULE.exec(schedule);
  const t = from.getTime();
  if (m && m[1] !== undefined) {
    const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), Number(m[1]), Number(m[2])));
    return at.getTime() > t ? at : new Date(at.getTime() + 86_400_000);
  }
  const step = (scheduleMinutes(schedule) ?? 1440) * 60_000;
  return new Date(Math.floor(t / step) * step + step);
}

const SETTINGS_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * A settings schema is a flat JSON schema object: each property has a scalar type; a string
 * property may be `secret: true`. Kept flat so the studio renders it with react-jsonschema-form
 * and secrets are simple to mask.
 */
export function checkSettings(value: unknown, details: SandboxErrorDetail[]): SettingsSchema | undefined {
  const fail = (path: string, rule: string, message: string): undefined => {
    details.push({ path, rule, message });
    return undefined;
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('settings', 'type', 'must be a JSON schema object');
  const s = value as Record<string, unknown>;
  if (s.type !== 'object') return fail('settings.type', 'const', 'must be "object"');
  const props = s.properties ?? {};
  if (props === null || typeof props !== 'object' || Array.isArray(props)) return fail('settings.properties', 'type', 'must be an object');
  let ok = true;
  for (const [name, p] of Object.entries(props as Record<string, unknown>)) {
    const at = `settings.properties.${name}`;
    if (!JOB_NAME.test(name.toLowerCase()) || name.length > 63) {
      fail(at, 'pattern', 'a setting name is letters, digits and "_"');
      ok = false;
      continue;
    }
    const prop = (p !== null && typeof p === 'object' && !Array.isArray(p) ? p : {}) as Record<string, unknown>;
    if (typeof prop.type !== 'string' || !SETTINGS_TYPES.has(prop.type)) {
      fail(`${at}.type`, 'enum', 'must be one of string, number, integer, boolean');
      ok = false;
    }
    if (prop.secret !== undefined && (prop.secret !== true || prop.type !== 'string')) {
      fail(`${at}.secret`, 'type', 'only a string setting may be secret: true');
      ok = false;
    }
  }
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string' || !Object.hasOwn(props, r)))) {
    fail('settings.required', 'type', 'must list declared properties');
    ok = false;
  }
  return ok ? (JSON.parse(JSON.stringify(s)) as SettingsSchema) : undefined;
}

/** Names of the secret settings of a schema. */
export function secretSettings(schema: SettingsSchema | undefined): string[] {
  return Object.entries(schema?.properties ?? {})
    .filter(([, p]) => p.secret === true)
    .map(([name]) => name);
}
