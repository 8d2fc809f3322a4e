import type { FormulaError } from '@attain/formula';

/** `<message> (line L, column C) — <hint>` in English, for metadata error details. */
export function describeFormulaError(e: FormulaError, locale: 'en' | 'zh-CN' = 'en'): string {
  const where = locale === 'zh-CN' ? `（第 ${e.line} 行，第 ${e.column} 列）` : ` (line ${e.line}, column ${e.column})`;
  const hint = e.hint[locale];
  return `${e.message[locale]}${where}${hint ? ` — ${hint}` : ''}`;
}
