// Hand-written Pratt parser. Precedence, lowest first:
//   OR < AND < NOT < comparisons < & < + - < * / < ^ < unary - + < postfix %
// As in Excel, unary minus binds tighter than ^ (-2^2 = 4) and ^ is left-associative.
import { diag, FormulaSyntaxError } from './diagnostics.ts';
import { tokenize, type Token } from './lexer.ts';
import { assertDepth, assertLength, MAX_FORMULA_DEPTH, tooDeep } from './limits.ts';
import type { BinaryOp, FormulaError, Message, Node, Span } from './types.ts';

const EXPECT: Record<string, Message> = {
  value: { en: 'a value, field or function', 'zh-CN': '值、字段或函数' },
  close: { en: '")"', 'zh-CN': '“)”' },
  argSep: { en: '"," or ")"', 'zh-CN': '“,”或“)”' },
  field: { en: 'a field name after "."', 'zh-CN': '“.”后面的字段名' },
  end: { en: 'an operator or end of formula', 'zh-CN': '运算符或公式结束' },
};

export type ParseResult = { ok: true; ast: Node } | { ok: false; errors: FormulaError[] };

// The parser's own recursion (parentheses, unary chains) is bounded by the same limit as the tree.
const MAX_DEPTH = MAX_FORMULA_DEPTH;

const BINARY: Record<string, { prec: number; op: BinaryOp }> = {
  OR: { prec: 1, op: 'OR' },
  AND: { prec: 2, op: 'AND' },
  '=': { prec: 4, op: '=' },
  '<>': { prec: 4, op: '<>' },
  '<': { prec: 4, op: '<' },
  '<=': { prec: 4, op: '<=' },
  '>': { prec: 4, op: '>' },
  '>=': { prec: 4, op: '>=' },
  '&': { prec: 5, op: '&' },
  '+': { prec: 6, op: '+' },
  '-': { prec: 6, op: '-' },
  '*': { prec: 7, op: '*' },
  '/': { prec: 7, op: '/' },
  '^': { prec: 8, op: '^' },
};

function between(a: Span, b: Span): Span {
  return { line: a.line, column: a.column, offset: a.offset, length: b.offset + b.length - a.offset };
}

function describe(t: Token): Message {
  return { en: `"${t.value}"`, 'zh-CN': `“${t.value}”` };
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly toks: Token[];
  constructor(toks: Token[]) {
    this.toks = toks;
  }

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    const t = this.toks[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private fail(t: Token, key: keyof typeof EXPECT): never {
    const expected = EXPECT[key]!;
    if (t.kind === 'eof') throw new FormulaSyntaxError(diag('UNEXPECTED_END', t, { expected }));
    throw new FormulaSyntaxError(diag('UNEXPECTED_TOKEN', t, { got: describe(t), expected }));
  }
  private expect(kind: Token['kind'], expected: keyof typeof EXPECT): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(t, expected);
    return this.next();
  }

  parseFormula(): Node {
    if (this.peek().kind === 'eof') throw new FormulaSyntaxError(diag('EMPTY_FORMULA', this.peek()));
    const n = this.expr(0);
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, 'end');
    return n;
  }

  private binaryOf(t: Token): { prec: number; op: BinaryOp } | undefined {
    if (t.kind === 'op') return BINARY[t.value];
    if (t.kind === 'ident') {
      const u = t.value.toUpperCase();
      if ((u === 'AND' || u === 'OR') && this.toks[this.pos + 1]?.kind !== '(') return BINARY[u];
    }
    return undefined;
  }

  private expr(minPrec: number): Node {
    if (++this.depth > MAX_DEPTH) throw tooDeep(this.peek());
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && t.value === '%') {
        this.next();
        left = { kind: 'unary', op: '%', arg: left, ...between(left, t) };
        continue;
      }
      const b = this.binaryOf(t);
      if (!b || b.prec <= minPrec) break;
      this.next();
      const right = this.expr(b.prec);
      left = { kind: 'binary', op: b.op, left, right, ...between(left, right) };
    }
    this.depth--;
    return left;
  }

  private prefix(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      const arg = this.expr(8.5); // tighter than ^ (Excel), looser than %
      return { kind: 'unary', op: t.value, arg, ...between(t, arg) };
    }
    if (t.kind === 'ident' && t.value.toUpperCase() === 'NOT' && this.toks[this.pos + 1]?.kind !== '(') {
      this.next();
      const arg = this.expr(3);
      return { kind: 'unary', op: 'NOT', arg, ...between(t, arg) };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'number', text: t.value, percent: false, ...span(t) };
      case 'text':
        return { kind: 'text', value: t.value, ...span(t) };
      case '(': {
        const inner = this.expr(0);
        const close = this.expect(')', 'close');
        // Keep the inner node but widen its span to the parentheses for error positions.
        return { ...inner, ...between(t, close) };
      }
      case 'ident':
        return this.identifier(t);
      default:
        return this.fail(t, 'value');
    }
  }

  private identifier(t: Token): Node {
    const u = t.value.toUpperCase();
    if (this.peek().kind === '(') {
      this.next();
      const args: Node[] = [];
      if (this.peek().kind !== ')') {
        for (;;) {
          args.push(this.expr(0));
          if (this.peek().kind === ',') {
            this.next();
            continue;
          }
          break;
        }
      }
      const close = this.expect(')', 'argSep');
      return { kind: 'call', name: u, args, nameSpan: span(t), ...between(t, close) };
    }
    if (u === 'TRUE' || u === 'FALSE') return { kind: 'boolean', value: u === 'TRUE', ...span(t) };
    if (u === 'NULL') return { kind: 'null', ...span(t) };
    const segments = [t.value];
    let last: Token = t;
    while (this.peek().kind === '.') {
      this.next();
      last = this.expect('ident', 'field');
      segments.push(last.value);
    }
    return { kind: 'path', segments, ...between(t, last) };
  }
}

function span(t: Token): Span {
  return { line: t.line, column: t.column, offset: t.offset, length: t.length };
}

export function parse(source: string): ParseResult {
  try {
    assertLength(source);
    const p = new Parser(tokenize(source));
    const ast = p.parseFormula();
    assertDepth(ast);
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return { ok: false, errors: [e.diagnostic] };
    /* v8 ignore next */
    throw e;
  }
}
