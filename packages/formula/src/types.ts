// Public types of the formula language: value types, the schema it is checked against, the
// AST and the diagnostics. Shared by the parser, the checker and both back ends.
import type { FunctionDef } from './functions/registry.ts';

export type FormulaType = 'number' | 'money' | 'percent' | 'integer' | 'text' | 'boolean' | 'date' | 'datetime' | 'null';

export const NUMERIC_TYPES: readonly FormulaType[] = ['number', 'money', 'percent', 'integer'];
export function isNumeric(t: FormulaType): boolean {
  return t === 'number' || t === 'money' || t === 'percent' || t === 'integer';
}

export interface FormulaSchema {
  object(name: string): FormulaObject | undefined;
  rateTable?(name: string): RateTable | undefined;
}

export interface FormulaObject {
  name: string;
  table: string;
  field(name: string): FormulaField | undefined;
  children?(name: string): { object: string; foreignKey: string } | undefined;
  /** Optional: names offered in "did you mean" hints. */
  fieldNames?(): string[];
  childNames?(): string[];
}

export interface FormulaField {
  name: string;
  column: string;
  type: FormulaType;
  ref?: string;
  /**
   * The expression of a formula field. A formula that uses the field is checked and compiled with
   * this expression in its place (over the same record), so formulas read formulas in both back
   * ends without reading a column that may not exist or not be recomputed yet.
   */
  formula?: string;
}

/** TIER rows: {from, to|null, rate}; LOOKUP rows: {key, value}. Numbers as decimal strings or numbers. */
export interface RateTable {
  name: string;
  kind: 'tier' | 'lookup';
  rows: Array<TierRow | LookupRow>;
  /** Type of LOOKUP values (default number). */
  valueType?: FormulaType;
}
export interface TierRow {
  from: string | number;
  to: string | number | null;
  rate: string | number;
}
export interface LookupRow {
  key: string | number;
  value: string | number | boolean | null;
}

export interface Span {
  line: number;
  column: number;
  offset: number;
  length: number;
}

export type Node =
  | (Span & { kind: 'number'; text: string; percent: boolean })
  | (Span & { kind: 'text'; value: string })
  | (Span & { kind: 'boolean'; value: boolean })
  | (Span & { kind: 'null' })
  | (Span & { kind: 'path'; segments: string[] })
  | (Span & { kind: 'unary'; op: '-' | '+' | 'NOT' | '%'; arg: Node })
  | (Span & { kind: 'binary'; op: BinaryOp; left: Node; right: Node })
  | (Span & { kind: 'call'; name: string; args: Node[]; nameSpan: Span });

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '&' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

export interface Message {
  en: string;
  'zh-CN': string;
}

export interface FormulaError extends Span {
  code: string;
  message: Message;
  hint: Message;
}

/** One step of a resolved path: a many-to-one hop or the final scalar field. */
export interface PathStep {
  object: string;
  table: string;
  field: FormulaField;
}

/** A field path after checking. `collection` set when the path reads a child row inside an aggregate. */
export interface ResolvedPath {
  /** Steps from the scope object (root, or the child object inside an aggregate). */
  steps: PathStep[];
  /** Path text relative to its scope, e.g. "customer.name" or (inside an aggregate) "amount". */
  key: string;
  /** Collection key ("orders", "customer.orders") if the path is relative to a child row. */
  collection?: string;
}

export interface CollectionInfo {
  /** Path text of the collection from the root, e.g. "orders" or "customer.orders". */
  key: string;
  /** Many-to-one hops from the root to the parent of the collection. */
  parentSteps: PathStep[];
  parentObject: string;
  /** Table of the parent object (set by the checker). */
  parentTable?: string;
  childObject: string;
  childTable: string;
  foreignKey: string;
}

/** A node after type checking; `node` is the parsed node it annotates. */
export type TNode =
  | { kind: 'literal'; node: Node; type: FormulaType; value: string | boolean | null }
  | { kind: 'field'; node: Node; type: FormulaType; path: ResolvedPath }
  | { kind: 'unary'; node: Node; type: FormulaType; op: '-' | 'NOT' | '%'; arg: TNode }
  | { kind: 'binary'; node: Node; type: FormulaType; op: BinaryOp; left: TNode; right: TNode; argTypes: [FormulaType, FormulaType] }
  | { kind: 'call'; node: Node; type: FormulaType; name: string; args: TNode[]; def: FunctionDef }
  | { kind: 'aggregate'; node: Node; type: FormulaType; name: string; collection: CollectionInfo; value: TNode | null; condition: TNode | null }
  | { kind: 'table'; node: Node; type: FormulaType; table: RateTable };

export interface CheckedFormula {
  ok: true;
  type: FormulaType;
  ast: TNode;
  root: string;
  source: string;
}
export type CheckResult = CheckedFormula | { ok: false; errors: FormulaError[] };
