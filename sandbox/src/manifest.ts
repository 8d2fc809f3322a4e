import { SandboxError, type SandboxErrorDetail } from './errors.ts';
import { checkJobs, checkLocalized, checkRange, checkSettings, type LocalizedText, type PluginJob, type SettingsSchema } from './manifest-fields.ts';
import { checkFormulas, type FormulaSignature } from './manifest-formulas.ts';
import { checkInbound, type InboundSpec } from './manifest-inbound.ts';

export type { InboundSpec } from './manifest-inbound.ts';

/** What a plugin may touch. Every list is an allowlist; absent means nothing. */
export interface PluginCapabilities {
  read?: string[];
  write?: string[];
  /** `https://host[:port]/path` patterns; a trailing `*` makes the path a prefix. */
  fetch?: string[];
  /** Org-chart operations on the tenant's one org service: `sync` (apply a snapshot or delta of departments and people). */
  org?: string[];
}

export interface PluginManifest {
  name: string;
  version: string;
  /** Plain text, or English and Simplified Chinese. */
  description?: LocalizedText;
  /** Semver range of the Attain versions the plugin supports (checked at install). */
  attain?: string;
  capabilities: PluginCapabilities;
  /** Includes `job:<name>` for every scheduled job. */
  hooks: string[];
  jobs?: PluginJob[];
  /** Signatures of the `formula:NAME` hooks (argument and result types), by NAME. */
  formulas?: Record<string, FormulaSignature>;
  settings?: SettingsSchema;
  /** Vendor event callbacks the host verifies (signature, decryption) before the `inbound` hook runs. */
  inbound?: InboundSpec;
  /** Entry source file, relative to the plugin folder (default `src/index.ts`). */
  main?: string;
}

export interface Plugin {
  manifest: PluginManifest;
  /** A script (no import/export) that assigns hook functions onto the global `hooks` object. */
  code: string;
}

export type CapabilityName = 'read' | 'write' | 'fetch' | 'org';
/** What `capabilities.org` may list. */
export const ORG_OPERATIONS: readonly string[] = ['sync'];

export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$/;
// semver.org's recommended expression, minus build metadata length games.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const OBJECT_NAME = /^[a-z][a-z0-9_]{0,62}$/;
export const HOOK_EVENTS: readonly string[] = ['beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete'];
const RECORD_HOOK = new RegExp(`^(?:${HOOK_EVENTS.join('|')}):[a-z][a-z0-9_]{0,62}$`);
const FORMULA_HOOK = /^formula:[A-Z][A-Z0-9_]{0,62}$/;
const JOB_HOOK = /^job:[a-z][a-z0-9_]{0,62}$/;
const INBOUND_HOOK = 'inbound';
const MAIN = /^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.(?:ts|js|mjs)$/;
const TOP_KEYS = new Set(['name', 'version', 'description', 'attain', 'capabilities', 'hooks', 'jobs', 'formulas', 'settings', 'inbound', 'main']);
const CAPABILITY_KEYS = new Set<string>(['read', 'write', 'fetch', 'org']);
const MAX_LIST = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A fetch pattern parsed once: exact origin, exact path or path prefix. */
export interface UrlPattern {
  origin: string;
  path: string;
  prefix: boolean;
}

export function parseUrlPattern(pattern: string): UrlPattern | string {
  if (pattern.length > 2048) return 'pattern is too long';
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  if (body.includes('*')) return 'only a single trailing "*" is allowed';
  let url: URL;
  try {
    url = new URL(body);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:') return 'only https: URLs may be allowed';
  if (url.username !== '' || url.password !== '') return 'credentials are not allowed in URL patterns';
  if (url.search !== '' || url.hash !== '') return 'query and fragment are not allowed in URL patterns';
  // Refuse patterns that URL normalisation would rewrite (e.g. "/a/../b"), so the allowlist reads as written.
  const rebuilt = url.origin + url.pathname;
  if (rebuilt !== body && rebuilt !== `${body}/`) {
    return `pattern is not in normal form (expected "${rebuilt}${prefix ? '*' : ''}")`;
  }
  return { origin: url.origin, path: url.pathname, prefix };
}

/** True when `url` is an https URL allowed by one of the manifest's fetch patterns. */
export function urlAllowed(patterns: readonly string[], url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' || target.username !== '' || target.password !== '') return false;
  for (const raw of patterns) {
    const p = parseUrlPattern(raw);
    if (typeof p === 'string' || p.origin !== target.origin) continue;
    if (p.prefix ? target.pathname.startsWith(p.path) : target.pathname === p.path) return true;
  }
  return false;
}

function checkList(value: unknown, path: string, details: SandboxErrorDetail[], item: (entry: string, at: string) => string | null): string[] {
  if (!Array.isArray(value)) {
    details.push({ path, rule: 'type', message: 'must be an array of strings' });
    return [];
  }
  if (value.length > MAX_LIST) details.push({ path, rule: 'maxItems', message: `at most ${MAX_LIST} entries` });
  const out: string[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, i: number) => {
    const at = `${path}[${i}]`;
    if (typeof entry !== 'string') {
      details.push({ path: at, rule: 'type', message: 'must be a string' });
      return;
    }
    const problem = item(entry, at);
    if (problem !== null) {
      details.push({ path: at, rule: 'format', message: problem });
      return;
    }
    if (seen.has(entry)) {
      details.push({ path: at, rule: 'uniqueItems', message: `duplicate entry "${entry}"` });
      return;
    }
    seen.add(entry);
    out.push(entry);
  });
  return out;
}

/**
 * Validates an untrusted manifest and returns a normalised copy (plain data, frozen).
 * Throws SandboxError('invalid_manifest') listing every problem with its path and rule.
 */
export function validateManifest(input: unknown): PluginManifest {
  const details: SandboxErrorDetail[] = [];
  if (!isPlainObject(input)) {
    throw new SandboxError('invalid_manifest', 'manifest must be a JSON object', [{ path: '', rule: 'type', message: 'must be an object' }]);
  }
  for (const key of Object.keys(input)) {
    if (!TOP_KEYS.has(key)) details.push({ path: key, rule: 'additionalProperties', message: `unknown field "${key}"` });
  }
  const { name, version, description, capabilities, hooks, attain, jobs, formulas, settings, inbound, main } = input;
  if (typeof name !== 'string' || name.length > 64 || !NAME_PATTERN.test(name)) {
    details.push({ path: 'name', rule: 'pattern', message: 'lower-case letters, digits and single "-", "_" or "." separators; at most 64 characters' });
  }
  if (typeof version !== 'string' || version.length > 64 || !SEMVER.test(version)) {
    details.push({ path: 'version', rule: 'semver', message: 'must be a semantic version such as 1.2.3' });
  }
  const text = description === undefined ? undefined : checkLocalized(description, 'description', 1000, details);
  const range = attain === undefined ? undefined : checkRange(attain, details);
  const jobList = jobs === undefined ? undefined : checkJobs(jobs, details);
  const formulaList = formulas === undefined ? undefined : checkFormulas(formulas, details);
  const settingsSchema = settings === undefined ? undefined : checkSettings(settings, details);
  const inboundSpec = inbound === undefined ? undefined : checkInbound(inbound, settingsSchema, details);
  if (main !== undefined && (typeof main !== 'string' || main.length > 200 || !MAIN.test(main))) {
    details.push({ path: 'main', rule: 'pattern', message: 'a relative path to a .ts/.js file inside the plugin folder' });
  }
  const caps: PluginCapabilities = {};
  if (capabilities === undefined) {
    // No capabilities: a pure plugin.
  } else if (!isPlainObject(capabilities)) {
    details.push({ path: 'capabilities', rule: 'type', message: 'must be an object' });
  } else {
    for (const key of Object.keys(capabilities)) {
      if (!CAPABILITY_KEYS.has(key)) {
        details.push({ path: `capabilities.${key}`, rule: 'additionalProperties', message: `unknown capability "${key}" (allowed: read, write, fetch, org)` });
      }
    }
    const objectName = (entry: string): string | null => (OBJECT_NAME.test(entry) ? null : 'must be an object API name (lower-case letters, digits, "_")');
    if (capabilities.read !== undefined) caps.read = checkList(capabilities.read, 'capabilities.read', details, objectName);
    if (capabilities.write !== undefined) caps.write = checkList(capabilities.write, 'capabilities.write', details, objectName);
    if (capabilities.fetch !== undefined) {
      caps.fetch = checkList(capabilities.fetch, 'capabilities.fetch', details, (entry) => {
        const parsed = parseUrlPattern(entry);
        return typeof parsed === 'string' ? parsed : null;
      });
    }
    if (capabilities.org !== undefined)
      caps.org = checkList(capabilities.org, 'capabilities.org', details, (entry) => (ORG_OPERATIONS.includes(entry) ? null : `must be one of: ${ORG_OPERATIONS.join(', ')}`));
  }
  const hookList =
    hooks === undefined
      ? []
      : checkList(hooks, 'hooks', details, (entry) =>
          RECORD_HOOK.test(entry) || FORMULA_HOOK.test(entry) || JOB_HOOK.test(entry) || entry === INBOUND_HOOK
            ? null
            : `must be "<event>:<object>" (events: ${HOOK_EVENTS.join(', ')}), "formula:<UPPER_NAME>", "job:<name>" or "inbound"`,
        );
  // A scheduled job runs as hook `job:<name>`, so the pool's hook check covers it too.
  for (const job of jobList ?? []) if (!hookList.includes(`job:${job.name}`)) hookList.push(`job:${job.name}`);
  // So does a declared formula function, as hook `formula:<NAME>`.
  for (const fn of Object.keys(formulaList ?? {})) if (!hookList.includes(`formula:${fn}`)) hookList.push(`formula:${fn}`);
  // Declared vendor callbacks run as hook `inbound`, which the admin consents to like any hook.
  if (inboundSpec !== undefined && !hookList.includes(INBOUND_HOOK)) hookList.push(INBOUND_HOOK);
  if (details.length > 0) {
    throw new SandboxError('invalid_manifest', `invalid plugin manifest: ${details.map((d) => `${d.path || '(root)'} ${d.message}`).join('; ')}`, details);
  }
  const manifest: PluginManifest = {
    name: name as string,
    version: version as string,
    capabilities: caps,
    hooks: hookList,
  };
  if (text !== undefined) manifest.description = text;
  if (range !== undefined) manifest.attain = range;
  if (jobList !== undefined && jobList.length > 0) manifest.jobs = jobList;
  if (formulaList !== undefined && Object.keys(formulaList).length > 0) manifest.formulas = formulaList;
  if (settingsSchema !== undefined) manifest.settings = settingsSchema;
  if (inboundSpec !== undefined) manifest.inbound = inboundSpec;
  if (typeof main === 'string') manifest.main = main;
  return deepFreeze(manifest);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Decides whether a host call is allowed by the manifest. Returns null when allowed, or the
 * reason. Used both in the worker (authoritative for the guest) and again in the host.
 */
export function capabilityProblem(manifest: PluginManifest, fn: string, args: readonly unknown[]): string | null {
  const caps = manifest.capabilities;
  if (fn === 'read' || fn === 'write') {
    const allowed = caps[fn];
    const target = args[0];
    if (!allowed || allowed.length === 0) return `plugin "${manifest.name}" has no "${fn}" capability`;
    if (typeof target !== 'string' || !allowed.includes(target)) {
      return `plugin "${manifest.name}" may not ${fn} object ${JSON.stringify(typeof target === 'string' ? target.slice(0, 100) : String(target))}`;
    }
    return null;
  }
  if (fn === 'org') {
    const op = args[0];
    if (!caps.org || caps.org.length === 0) return `plugin "${manifest.name}" has no "org" capability`;
    if (typeof op !== 'string' || !caps.org.includes(op)) return `plugin "${manifest.name}" may not use org operation ${JSON.stringify(typeof op === 'string' ? op.slice(0, 50) : String(op))}`;
    return null;
  }
  if (fn === 'fetch') {
    const allowed = caps.fetch;
    const url = args[0];
    if (!allowed || allowed.length === 0) return `plugin "${manifest.name}" has no "fetch" capability`;
    if (typeof url !== 'string' || !urlAllowed(allowed, url)) {
      return `plugin "${manifest.name}" may not fetch ${JSON.stringify(typeof url === 'string' ? url.slice(0, 200) : String(url))}`;
    }
    return null;
  }
  return `unknown host function "${fn.slice(0, 50)}"`;
}

/** The host functions the guest's `host` object gets: only the granted ones. */
export function grantedFunctions(manifest: PluginManifest): CapabilityName[] {
  const out: CapabilityName[] = [];
  for (const name of ['read', 'write', 'fetch', 'org'] as const) {
    const list = manifest.capabilities[name];
    if (list && list.length > 0) out.push(name);
  }
  return out;
}
