// Size limits of the formula language. Every later stage (checker, SQL and JS back ends, the
// sandbox's compiler) walks the tree recursively, so a tree deeper than the stack allows — 4,000
// chained `1+1+…` is enough — would crash them. The parser refuses such formulas up front, with a
// position, as it refuses any other syntax error; what it accepts every stage can handle.
import { diag, FormulaSyntaxError } from './diagnostics.ts';
import type { Node, Span } from './types.ts';

/** Longest formula text accepted (characters). */
export const MAX_FORMULA_LENGTH = 8000;
/** Deepest tree accepted: operators chained or nested, parentheses and function calls all count. */
export const MAX_FORMULA_DEPTH = 200;

/** Line/column of a character offset, for an error placed inside a text that was never tokenized. */
function spanAt(source: string, offset: number): Span {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n'), offset, length: source.length - offset };
}

export function assertLength(source: string): void {
  if (source.length > MAX_FORMULA_LENGTH) {
    throw new FormulaSyntaxError(diag('formula_too_long', spanAt(source, MAX_FORMULA_LENGTH), { max: MAX_FORMULA_LENGTH, got: source.length }));
  }
}

/** Throws `formula_too_deep` at the first node beyond the limit. Iterative: the tree may be deep. */
export function assertDepth(root: Node): void {
  const stack: Array<{ node: Node; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (depth > MAX_FORMULA_DEPTH) throw tooDeep(node);
    if (node.kind === 'unary') stack.push({ node: node.arg, depth: depth + 1 });
    else if (node.kind === 'binary') stack.push({ node: node.left, depth: depth + 1 }, { node: node.right, depth: depth + 1 });
    else if (node.kind === 'call') for (const a of node.args) stack.push({ node: a, depth: depth + 1 });
  }
}

export function tooDeep(at: Span): FormulaSyntaxError {
  return new FormulaSyntaxError(diag('formula_too_deep', at, { max: MAX_FORMULA_DEPTH }));
}
