// Fonts for the PNG snapshots. sharp rasterises SVG with librsvg, which finds fonts through
// fontconfig; a server often has no CJK font (this machine has only DejaVu), so Chinese labels came
// out as boxes. Before the first SVG is rasterised we point fontconfig at a config that includes the
// system's and adds the directory of Noto Sans SC (OFL-1.1, @expo-google-fonts/noto-sans-sc, the
// font the PDF statements embed), so "sans-serif" falls back to it for CJK. An operator's own
// FONTCONFIG_FILE is left alone (they then provide a CJK font themselves).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

let ready = false;

export function ensureSnapshotFonts(): void {
  if (ready) return;
  ready = true;
  if (process.env.FONTCONFIG_FILE) return;
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'));
  const bold = dirname(req.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'));
  const home = join(tmpdir(), `attain-fontconfig-${process.getuid?.() ?? 0}`);
  mkdirSync(join(home, 'cache'), { recursive: true });
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const file = join(home, 'fonts.conf');
  writeFileSync(
    file,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${esc(dir)}</dir>\n  <dir>${esc(bold)}</dir>\n  <cachedir>${esc(join(home, 'cache'))}</cachedir>\n</fontconfig>\n`,
  );
  process.env.FONTCONFIG_FILE = file;
}
