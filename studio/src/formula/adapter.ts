// The one place the studio talks to the formula language. It runs the real parser and type checker
// of @attain/formula in the browser (the same code the server uses), against a schema built from
// the object documents the studio already has.
import { check, createFunctionRegistry, registerExternal, type ExternalFunctionSpec, type FormulaSchema, type ParamType, type FormulaType } from '@attain/formula';
import { formulaSchemaForDocs } from '@attain/meta';
import type { ObjectDoc } from '../api/types.ts';
import { pluginFormulas } from './plugin-formulas.ts';

export interface FormulaIssue {
  message: { en: string; 'zh-CN': string };
  hint?: { en: string; 'zh-CN': string };
  offset: number;
  length: number;
  line: number;
  column: number;
}

export type FormulaCheck = { ok: true; type: string } | { ok: false; errors: FormulaIssue[] };

export interface Completion {
  text: string;
  kind: 'field' | 'relation' | 'function';
  detail: string;
}

/** A FormulaSchema over object documents — the same rules the server checks formulas with. */
export function schemaFromDocs(docs: readonly ObjectDoc[]): FormulaSchema {
  return formulaSchemaForDocs(docs);
}

export type { PluginFormulas } from './plugin-formulas.ts';

let built = { version: -1, registry: createFunctionRegistry() };

/**
 * The built-ins and the tenant plugins' formula functions, so the editor types and completes them
 * as the server does; those of a disabled plugin stay known and are flagged as such. Rebuilt when
 * the session loads the plugins again.
 */
function functionRegistry(): ReturnType<typeof createFunctionRegistry> {
  const { plugins, version } = pluginFormulas();
  if (built.version === version) return built.registry;
  const specs: ExternalFunctionSpec[] = [];
  for (const p of plugins) {
    if (p.version === null) continue;
    for (const [name, f] of Object.entries(p.formulas ?? {})) {
      const label = typeof f.label === 'string' ? f.label : f.label?.en;
      specs.push({ name, plugin: p.name, version: p.version, args: f.args as ParamType[], returns: f.returns as FormulaType, enabled: p.status === 'enabled', ...(label ? { label } : {}) });
    }
  }
  built = { version, registry: registerExternal(createFunctionRegistry(), specs) };
  return built.registry;
}

export function checkFormula(expression: string, docs: readonly ObjectDoc[], root: string): FormulaCheck {
  const result = check(expression, { schema: schemaFromDocs(docs), root, functions: functionRegistry() });
  if (result.ok) return { ok: true, type: result.type };
  return { ok: false, errors: result.errors.map((e) => ({ message: e.message, hint: e.hint, offset: e.offset, length: e.length, line: e.line, column: e.column })) };
}

export function functionNames(): string[] {
  return functionRegistry().names();
}

export function functionDetail(name: string, locale: string): string {
  const def = functionRegistry().get(name);
  if (!def) return '';
  const params = def.params.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(', ') + (def.variadic ? ', …' : '');
  const desc = def.description ? (locale === 'zh-CN' ? def.description['zh-CN'] : def.description.en) : '';
  return `${name}(${params})${desc ? ` — ${desc}` : ''}`;
}

/** Names that may follow `prefix` (a dotted path being typed) on `root`. */
export function completions(prefix: string, docs: readonly ObjectDoc[], root: string, locale: string): Completion[] {
  const schema = schemaFromDocs(docs);
  const parts = prefix.split('.');
  const last = (parts.pop() ?? '').toLowerCase();
  let object = schema.object(root);
  for (const p of parts) {
    const f = object?.field(p);
    object = f?.ref ? schema.object(f.ref) : undefined;
  }
  const out: Completion[] = [];
  if (object) {
    for (const n of object.fieldNames?.() ?? []) {
      const f = object.field(n);
      if (n.toLowerCase().startsWith(last)) out.push({ text: n, kind: f?.ref ? 'relation' : 'field', detail: f?.ref ? `→ ${f.ref}` : (f?.type ?? '') });
    }
    for (const n of object.childNames?.() ?? []) if (n.toLowerCase().startsWith(last)) out.push({ text: n, kind: 'relation', detail: `[${object.children?.(n)?.object ?? ''}]` });
  }
  if (parts.length === 0) {
    for (const n of functionRegistry().names()) if (n.toLowerCase().startsWith(last)) out.push({ text: n, kind: 'function', detail: functionDetail(n, locale) });
  }
  return out.slice(0, 30);
}
