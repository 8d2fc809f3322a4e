// Lexer: formula text -> tokens with positions (1-based line/column, 0-based offset).
import { diag, FormulaSyntaxError } from './diagnostics.ts';
import type { Span } from './types.ts';

export type TokenKind = 'number' | 'text' | 'ident' | 'op' | '(' | ')' | ',' | '.' | 'eof';

export interface Token extends Span {
  kind: TokenKind;
  value: string;
}

const OPS = ['<>', '<=', '>=', '+', '-', '*', '/', '^', '&', '=', '<', '>', '%'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const span = (start: number, startLine: number, startCol: number): Span => ({
    line: startLine,
    column: startCol,
    offset: start,
    length: i - start,
  });
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\u00a0' || ch === '\u3000') {
      i++;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      while (/[0-9]/.test(src[i] ?? '')) i++;
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        while (/[0-9]/.test(src[i] ?? '')) i++;
      }
      if (/[eE]/.test(src[i] ?? '') && /[0-9]/.test(src[i + 1] === '-' || src[i + 1] === '+' ? (src[i + 2] ?? '') : (src[i + 1] ?? ''))) {
        i += src[i + 1] === '-' || src[i + 1] === '+' ? 2 : 1;
        while (/[0-9]/.test(src[i] ?? '')) i++;
      }
      out.push({ kind: 'number', value: src.slice(start, i), ...span(start, line, col) });
      continue;
    }
    if (ch === '"' || ch === '\u201c' || ch === '\u201d') {
      i++;
      let value = '';
      for (;;) {
        if (i >= src.length) {
          throw new FormulaSyntaxError(diag('UNTERMINATED_TEXT', span(start, line, col), {}, 'CLOSE_TEXT'));
        }
        const c = src[i]!;
        if (c === '"' || c === '\u201c' || c === '\u201d') {
          if (src[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') {
          line++;
          lineStart = i + 1;
        }
        value += c;
        i++;
      }
      out.push({ kind: 'text', value, ...span(start, line, col) });
      continue;
    }
    if (/[A-Za-z_\u4e00-\u9fff]/.test(ch)) {
      while (/[A-Za-z0-9_\u4e00-\u9fff]/.test(src[i] ?? '')) i++;
      out.push({ kind: 'ident', value: src.slice(start, i), ...span(start, line, col) });
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      i++;
      out.push({ kind: ch, value: ch, ...span(start, line, col) });
      continue;
    }
    if (ch === '\uff08' || ch === '\uff09' || ch === '\uff0c') {
      // Full-width brackets and comma typed with a Chinese input method.
      i++;
      const k = ch === '\uff08' ? '(' : ch === '\uff09' ? ')' : ',';
      out.push({ kind: k, value: k, ...span(start, line, col) });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      i += op.length;
      out.push({ kind: 'op', value: op, ...span(start, line, col) });
      continue;
    }
    i++;
    throw new FormulaSyntaxError(diag('UNEXPECTED_CHAR', span(start, line, col), { ch }));
  }
  out.push({ kind: 'eof', value: '', line, column: i - lineStart + 1, offset: i, length: 0 });
  return out;
}
