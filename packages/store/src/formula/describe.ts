import type { FormulaError } from '@attain/formula';

/** `<message> (line L, column C) — <hint>` in English, for metadata error details. */
export function describeFormulaError(e: FormulaError, locale: 'en' | 'zh-CN' = 'en'): string {
  const where = locale === 'zh-CN' ? `（第 ${e.line} 行，第 ${e.column} 列）` : ` (line ${e.line}, column ${e.column})`;
  const hint = e.hint[locale];
  return `${e.message[locale]}${where}${hint ? ` — ${hint}` : ''}`;
}

/**
 * The detail rule of a formula problem: `formula`, or a stable rule of its own for a plugin
 * function that cannot be used (its plugin disabled, or a place that runs only in SQL).
 */
export function ruleOf(code: string): string {
  if (code === 'PLUGIN_FUNCTION_DISABLED') return 'plugin_function_disabled';
  if (code === 'PLUGIN_FUNCTION_HOST_ONLY') return 'plugin_function_sql';
  return 'formula';
}
