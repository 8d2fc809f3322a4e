// The studio's CJK web font (issue #16: Chinese on machines without a CJK font) covers every
// Chinese character Attain shows: a string added in Chinese without `npm run -w studio font`
// fails here, naming the characters the font lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cjkCharacters, ROOT } from '../../studio/scripts/cjk-chars.ts';

const FONTS = join(ROOT, 'studio/src/fonts');

describe('the CJK web font subset', () => {
  it('is a WOFF2 that covers every Chinese character in the sources, catalogs and metadata', () => {
    expect(readFileSync(join(FONTS, 'attain-cjk.woff2')).subarray(0, 4).toString('latin1')).toBe('wOF2');
    const covered = new Set(readFileSync(join(FONTS, 'attain-cjk.chars.txt'), 'utf8').trim());
    const missing = cjkCharacters().filter((c) => !covered.has(c));
    expect(missing.join(''), 'run `npm run -w studio font` to add them').toBe('');
  });
});
