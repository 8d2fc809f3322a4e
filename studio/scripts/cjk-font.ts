// `npm run -w studio font`: subsets Noto Sans SC (SIL Open Font License, from
// @expo-google-fonts/noto-sans-sc) to the characters Attain shows (cjk-chars.ts) and writes it as
// WOFF2 beside the list it covers. Committed, so a build needs no font tools; the studio loads it
// only for Chinese text (unicode-range), so machines without a CJK font still read the studio.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import subsetFont from 'subset-font';
import { cjkCharacters, ROOT } from './cjk-chars.ts';

const SOURCE = join(ROOT, 'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');
const OUT = join(ROOT, 'studio/src/fonts');

const chars = cjkCharacters();
// Latin letters and digits stay with the system font; the subset carries only what it is for.
const woff2 = await subsetFont(readFileSync(SOURCE), chars.join(''), { targetFormat: 'woff2' });
writeFileSync(join(OUT, 'attain-cjk.woff2'), woff2);
writeFileSync(join(OUT, 'attain-cjk.chars.txt'), `${chars.join('')}\n`);
console.log(`attain-cjk.woff2: ${chars.length} characters, ${woff2.byteLength} bytes`);
