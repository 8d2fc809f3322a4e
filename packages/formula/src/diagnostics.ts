// Diagnostics: stable error codes with English and Simplified Chinese text.
import type { FormulaError, Message, Span } from './types.ts';

type Params = Record<string, string | number | Message>;

const TEXT: Record<string, { en: string; zh: string }> = {
  UNEXPECTED_CHAR: { en: 'Unexpected character "{ch}"', zh: '意外的字符“{ch}”' },
  UNTERMINATED_TEXT: { en: 'Text literal is not closed', zh: '文本字面量没有结束引号' },
  UNEXPECTED_TOKEN: { en: 'Unexpected {got}, expected {expected}', zh: '意外的{got}，应为{expected}' },
  UNEXPECTED_END: { en: 'Formula ends too early, expected {expected}', zh: '公式提前结束，应为{expected}' },
  EMPTY_FORMULA: { en: 'The formula is empty', zh: '公式为空' },
  formula_too_deep: { en: 'The formula is nested too deeply (at most {max} levels of operators, parentheses and functions)', zh: '公式嵌套层数过多（运算符、括号和函数最多 {max} 层）' },
  formula_too_long: { en: 'The formula is too long ({got} characters; at most {max})', zh: '公式过长（{got} 个字符，最多 {max} 个）' },
  UNKNOWN_FIELD: { en: 'Unknown field "{name}" on {object}', zh: '对象 {object} 上没有字段“{name}”' },
  NOT_A_RELATION: { en: '"{name}" on {object} is not a relation', zh: '对象 {object} 上的“{name}”不是关联字段' },
  UNKNOWN_OBJECT: { en: 'Unknown object "{name}"', zh: '未知对象“{name}”' },
  COLLECTION_OUTSIDE_AGGREGATE: {
    en: '"{name}" is a list of related records; use it inside SUM, COUNT, AVG, MIN or MAX',
    zh: '“{name}”是相关记录列表，只能用在 SUM、COUNT、AVG、MIN 或 MAX 中',
  },
  NESTED_AGGREGATE: { en: 'Aggregates cannot be nested or mix two lists ({name})', zh: '聚合不能嵌套或混用两个列表（{name}）' },
  UNKNOWN_FUNCTION: { en: 'Unknown function {name}', zh: '未知函数 {name}' },
  PLUGIN_FUNCTION_DISABLED: { en: '{name} is a function of plugin "{plugin}", which is disabled in this tenant', zh: '{name} 是插件“{plugin}”的函数，该插件在此租户中已停用' },
  PLUGIN_FUNCTION_HOST_ONLY: {
    en: '{name} is a function of plugin "{plugin}": it runs only in computed formula fields and plan formula measures, not in {where}',
    zh: '{name} 是插件“{plugin}”的函数：只能用于计算型公式字段和方案公式指标，不能用于{where}',
  },
  ARG_COUNT: { en: '{name} expects {expected} argument(s), got {got}', zh: '{name} 需要 {expected} 个参数，实际为 {got} 个' },
  ARG_TYPE: { en: 'Argument {index} of {name} must be {expected}, got {got}', zh: '{name} 的第 {index} 个参数应为 {expected}，实际为 {got}' },
  LITERAL_REQUIRED: { en: 'Argument {index} of {name} must be one of {expected} written as text', zh: '{name} 的第 {index} 个参数必须是文本常量：{expected}' },
  OPERATOR_TYPE: { en: 'Operator {op} cannot combine {left} and {right}', zh: '运算符 {op} 不能用于 {left} 和 {right}' },
  UNARY_TYPE: { en: 'Operator {op} cannot be applied to {type}', zh: '运算符 {op} 不能用于 {type}' },
  INCOMPATIBLE_TYPES: { en: '{name} results have incompatible types {left} and {right}', zh: '{name} 的结果类型不一致：{left} 与 {right}' },
  UNKNOWN_TABLE: { en: 'Unknown rate table "{name}"', zh: '未知费率表“{name}”' },
  TABLE_KIND: { en: 'Rate table "{name}" is not a {expected} table', zh: '费率表“{name}”不是{expected}表' },
  NOT_BOOLEAN: { en: '{name} condition must be boolean, got {got}', zh: '{name} 的条件必须是布尔值，实际为 {got}' },
  REF_TEXT: { en: '"{name}" is a reference to {object}: it holds the record\'s id, so it never equals "{text}"', zh: '“{name}”是指向 {object} 的关联字段，其值是记录 ID，不会等于“{text}”' },
  FORMULA_CYCLE: { en: 'Formula fields use each other in a cycle: {path}', zh: '公式字段循环引用：{path}' },
  FORMULA_FIELD_DEPTH: { en: 'Formula field "{name}" uses formula fields more than {max} levels deep', zh: '公式字段“{name}”引用公式字段超过 {max} 层' },
  FORMULA_FIELD_INVALID: { en: 'Formula field "{name}" on {object} has a formula that does not parse', zh: '对象 {object} 的公式字段“{name}”的公式无法解析' },
  REF_EMPTY_TEXT: { en: '"{name}" is a reference: when not set it is empty (NULL), never ""', zh: '“{name}”是关联字段：未设置时为空（NULL），而不是 ""' },
};

const HINT: Record<string, { en: string; zh: string }> = {
  DID_YOU_MEAN: { en: 'Did you mean "{name}"?', zh: '您是想输入“{name}”吗？' },
  CHECK_SPELLING: { en: 'Check the spelling against the object fields', zh: '请对照对象字段检查拼写' },
  CLOSE_TEXT: { en: 'Add a closing " (write "" for a quote inside text)', zh: '补上结尾的 "（文本中的引号写作 ""）' },
  MONEY_DATE: { en: 'Money and dates cannot be added; use DATEADD for dates', zh: '金额不能与日期相加；日期运算请用 DATEADD' },
  MONEY_PERCENT: { en: 'Multiply money by a percent instead of adding it', zh: '请用金额乘以百分比，而不是相加' },
  USE_AGGREGATE: { en: 'For example SUM(orders.amount) or COUNT(orders)', zh: '例如 SUM(orders.amount) 或 COUNT(orders)' },
  COMPARE_REF_FIELD: { en: 'Compare one of its fields, e.g. {example}', zh: '请比较它的某个字段，例如 {example}' },
  USE_ISBLANK: { en: 'Use ISBLANK({name}) or NOT ISBLANK({name})', zh: '请使用 ISBLANK({name}) 或 NOT ISBLANK({name})' },
  ENABLE_PLUGIN: { en: 'Enable the plugin "{plugin}" again, or remove {name} from the formula', zh: '请重新启用插件“{plugin}”，或从公式中删除 {name}' },
  SEE_FUNCTIONS: { en: 'See the function list in the formula reference', zh: '请查看公式参考中的函数列表' },
  NONE: { en: '', zh: '' },
};

function fill(s: string, p: Params, lang: 'en' | 'zh-CN'): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = p[k];
    if (v === undefined) return `{${k}}`;
    return typeof v === 'object' ? v[lang] : String(v);
  });
}

export function msg(code: string, p: Params = {}): Message {
  const t = TEXT[code] ?? { en: code, zh: code };
  return { en: fill(t.en, p, 'en'), 'zh-CN': fill(t.zh, p, 'zh-CN') };
}

export function hint(code: string, p: Params = {}): Message {
  const t = HINT[code] ?? HINT.NONE!;
  return { en: fill(t.en, p, 'en'), 'zh-CN': fill(t.zh, p, 'zh-CN') };
}

export function diag(code: string, at: Span, params: Params = {}, hintCode = 'NONE', hintParams: Params = {}): FormulaError {
  return {
    code,
    message: msg(code, params),
    hint: hint(hintCode, hintParams),
    line: at.line,
    column: at.column,
    offset: at.offset,
    length: at.length,
  };
}

/** Thrown inside the parser only and always caught by `parse`; user input never escapes as an exception. */
export class FormulaSyntaxError extends Error {
  readonly diagnostic: FormulaError;
  constructor(d: FormulaError) {
    super(d.message.en);
    this.diagnostic = d;
  }
}

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[n]!;
}

export function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
