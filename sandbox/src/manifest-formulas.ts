import type { SandboxErrorDetail } from './errors.ts';
import { checkLocalized, type LocalizedText } from './manifest-fields.ts';

/**
 * Signatures of a plugin's formula functions. The formula checker types a call from them before
 * anything runs (a plugin function is typed like a built-in), so each `formula:NAME` hook names
 * its argument and result types here.
 */

/** What an argument accepts: a formula type, `numeric` (number, money, percent, integer) or `any`. */
export type FormulaArgType = 'number' | 'money' | 'percent' | 'integer' | 'numeric' | 'text' | 'boolean' | 'date' | 'datetime' | 'any';
export type FormulaReturnType = 'number' | 'money' | 'percent' | 'integer' | 'text' | 'boolean' | 'date' | 'datetime';

export interface FormulaSignature {
  args: FormulaArgType[];
  returns: FormulaReturnType;
  label?: LocalizedText;
}

export const FORMULA_ARG_TYPES: readonly FormulaArgType[] = ['number', 'money', 'percent', 'integer', 'numeric', 'text', 'boolean', 'date', 'datetime', 'any'];
export const FORMULA_RETURN_TYPES: readonly FormulaReturnType[] = ['number', 'money', 'percent', 'integer', 'text', 'boolean', 'date', 'datetime'];
export const FORMULA_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;
const MAX_FUNCTIONS = 50;
const MAX_ARGS = 20;

export function checkFormulas(value: unknown, details: SandboxErrorDetail[]): Record<string, FormulaSignature> {
  const out: Record<string, FormulaSignature> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    details.push({ path: 'formulas', rule: 'type', message: 'must be an object of NAME: {args, returns, label}' });
    return out;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FUNCTIONS) details.push({ path: 'formulas', rule: 'maxProperties', message: `at most ${MAX_FUNCTIONS} formula functions` });
  for (const [name, raw] of entries.slice(0, MAX_FUNCTIONS)) {
    const at = `formulas.${name}`;
    if (!FORMULA_NAME.test(name)) {
      details.push({ path: at, rule: 'pattern', message: 'a formula function name is upper-case letters, digits and "_", starting with a letter' });
      continue;
    }
    const s = (raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined) as Record<string, unknown> | undefined;
    if (!s) {
      details.push({ path: at, rule: 'type', message: 'must be {args, returns, label}' });
      continue;
    }
    const extra = Object.keys(s).filter((k) => k !== 'args' && k !== 'returns' && k !== 'label');
    if (extra.length > 0) details.push({ path: `${at}.${extra[0]}`, rule: 'additionalProperties', message: `unknown field "${extra[0]}"` });
    const args = s.args;
    if (!Array.isArray(args) || args.length > MAX_ARGS || args.some((a) => typeof a !== 'string' || !(FORMULA_ARG_TYPES as readonly string[]).includes(a))) {
      details.push({ path: `${at}.args`, rule: 'enum', message: `a list of at most ${MAX_ARGS} argument types, each one of ${FORMULA_ARG_TYPES.join(', ')}` });
      continue;
    }
    if (typeof s.returns !== 'string' || !(FORMULA_RETURN_TYPES as readonly string[]).includes(s.returns)) {
      details.push({ path: `${at}.returns`, rule: 'enum', message: `the result type, one of ${FORMULA_RETURN_TYPES.join(', ')}` });
      continue;
    }
    const sig: FormulaSignature = { args: args as FormulaArgType[], returns: s.returns as FormulaReturnType };
    if (s.label !== undefined) {
      const label = checkLocalized(s.label, `${at}.label`, 200, details);
      if (label !== undefined) sig.label = label;
    }
    out[name] = sig;
  }
  return out;
}

/**
 * Every `formula:NAME` hook needs a signature and every signature its hook (added when missing, as
 * jobs add theirs); a hook without one is refused with rule `formula_signature`.
 */
export function formulaHookProblems(hooks: string[], formulas: Record<string, FormulaSignature> | undefined, details: SandboxErrorDetail[]): void {
  hooks.forEach((h, i) => {
    if (!h.startsWith('formula:')) return;
    const name = h.slice('formula:'.length);
    if (!formulas || !Object.hasOwn(formulas, name)) {
      details.push({ path: `hooks[${i}]`, rule: 'formula_signature', message: `hook "${h}" needs a signature: formulas.${name} = {args, returns}` });
    }
  });
}
