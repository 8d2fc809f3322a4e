import { Ajv2020 as Ajv, type ValidateFunction } from 'ajv/dist/2020.js';
import { secretSettings, type SettingsSchema } from '@attain/sandbox';
import { StoreError } from '@attain/store';
import { isSealed, SEALED_PREFIX, type SecretKeys } from './secrets.ts';

/** What clients see in place of a secret setting's value. */
export const MASK = '••••';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorOf(schema: SettingsSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile({ ...schema, additionalProperties: false });
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Checks new settings against the plugin's schema. A secret sent as the mask (or left out)
 * keeps its stored value, so a form that shows the mask can be saved unchanged.
 */
export function mergeSettings(schema: SettingsSchema | undefined, stored: Record<string, unknown>, input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('validation_failed', 'settings must be a JSON object', [{ path: '/settings', rule: 'type', message: 'must be an object' }]);
  }
  const next: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const name of secretSettings(schema)) {
    if (next[name] === MASK || (next[name] === undefined && stored[name] !== undefined)) next[name] = stored[name];
    if (next[name] === undefined) delete next[name];
  }
  const validate = validatorOf(schema ?? { type: 'object', properties: {} });
  if (!validate(next)) {
    const details = (validate.errors ?? []).map((e) => ({
      path: `/settings${e.instancePath}${e.keyword === 'required' || e.keyword === 'additionalProperties' ? `/${String((e.params as Record<string, unknown>).missingProperty ?? (e.params as Record<string, unknown>).additionalProperty)}` : ''}`,
      rule: e.keyword,
      message: e.message ?? 'is invalid',
    }));
    throw new StoreError('validation_failed', `settings: ${details[0]?.path} ${details[0]?.message}`, details);
  }
  return next;
}

/** Settings as clients see them: every secret that is set shows as the mask. */
export function maskSettings(schema: SettingsSchema | undefined, settings: Record<string, unknown>): Record<string, unknown> {
  const out = { ...settings };
  for (const name of secretSettings(schema)) if (out[name] !== undefined) out[name] = MASK;
  return out;
}

/** Settings as stored: every setting the schema marks secret is encrypted (sealed values stay as they are). */
export function sealSettings(schema: SettingsSchema | undefined, settings: Record<string, unknown>, keys: SecretKeys): Record<string, unknown> {
  const out = { ...settings };
  for (const name of secretSettings(schema)) if (out[name] !== undefined && !isSealed(out[name])) out[name] = keys.seal(out[name]);
  return out;
}

/**
 * Settings in clear, as the plugin sees them inside its isolate: every sealed value opened.
 * `replaced` names settings about to be overwritten, which need not (and may not) open.
 */
export function openSettings(plugin: string, settings: Record<string, unknown>, keys: SecretKeys, replaced: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const out = { ...settings };
  for (const [name, value] of Object.entries(out)) {
    if (!isSealed(value)) continue;
    if (replaced.has(name)) delete out[name];
    else out[name] = keys.open(value, `/plugins/${plugin}/settings/${name}`);
  }
  return out;
}

/** Every secret sealed with the ring's current key: what `attain secrets rotate` writes back, or null when nothing changes. */
export function resealSettings(plugin: string, schema: SettingsSchema | undefined, settings: Record<string, unknown>, keys: SecretKeys): Record<string, unknown> | null {
  const secret = new Set(secretSettings(schema));
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    const current = isSealed(value) && value.startsWith(`${SEALED_PREFIX}${keys.currentId}:`);
    if (current || (!isSealed(value) && !secret.has(name))) {
      out[name] = value;
      continue;
    }
    const plain = isSealed(value) ? keys.open(value, `/plugins/${plugin}/settings/${name}`) : value;
    // A setting no longer marked secret by the running version is stored in clear, like its peers.
    out[name] = secret.has(name) ? keys.seal(plain) : plain;
    changed = true;
  }
  return changed ? out : null;
}
