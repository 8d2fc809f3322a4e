// How the browser tests find their Chromium (chromium.ts): the setting wins, then Debian's,
// then the one the npm package ships — which must unpack safely when workers race for it.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, createBrotliCompress } from 'node:zlib';
import { pack } from 'tar-fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBIAN_CHROMIUM, describeChromium, findChromium, npmChromium } from './chromium.ts';

/** A stand-in for the package's bin/: the same four archives, a few bytes each. */
async function fakeBin(root: string): Promise<string> {
  const bin = join(root, 'bin');
  const src = join(root, 'src');
  mkdirSync(bin);
  writeFileSync(join(bin, 'chromium.br'), brotliCompressSync('#!/bin/sh\necho "Chromium 1.2.3"\n'));
  const archives: Record<string, Record<string, string>> = {
    'swiftshader.tar.br': { 'libGLESv2.so': 'gl' },
    'al2023.tar.br': { 'lib/libnss3.so': 'nss' },
    'fonts.tar.br': { 'fonts.conf': 'lambda paths', 'fonts/Open_Sans/OpenSans-Regular.ttf': 'font' },
  };
  for (const [archive, files] of Object.entries(archives)) {
    const dir = join(src, archive);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    await pipeline(pack(dir), createBrotliCompress(), createWriteStream(join(bin, archive)));
  }
  return bin;
}

describe('the Chromium for the browser tests', () => {
  const root = mkdtempSync(join(tmpdir(), 'attain-chromium-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes ATTAIN_CHROMIUM as a path and names a missing one', async () => {
    const node = process.execPath;
    expect(await findChromium(node)).toEqual({ executablePath: node, source: 'ATTAIN_CHROMIUM', env: {} });
    await expect(findChromium('/nowhere/chromium')).rejects.toThrow('ATTAIN_CHROMIUM=/nowhere/chromium: no such file');
  });

  it("prefers Debian's Chromium when installed, else the npm one; ATTAIN_CHROMIUM=npm forces the latter", async () => {
    const found = await findChromium('');
    if (existsSync(DEBIAN_CHROMIUM)) expect(found.executablePath).toBe(DEBIAN_CHROMIUM);
    else expect(found.source).toMatch(/^npm package @sparticuz\/chromium /);
    const npm = await findChromium('npm');
    expect(describeChromium(npm)).toMatch(/^Chromium \d+\.[\d.]+ \(npm package @sparticuz\/chromium [\d.]+\) at /);
    // Every library it needs resolves, from the host or from the package's own lib directory.
    expect(execFileSync('ldd', [npm.executablePath], { env: { ...process.env, ...npm.env }, encoding: 'utf8' })).not.toContain('not found');
  });

  it('unpacks once, atomically, when several workers ask at the same time', async () => {
    const bin = await fakeBin(root);
    const into = join(root, 'tmp');
    mkdirSync(into);
    const all = await Promise.all([1, 2, 3].map(() => npmChromium(into, bin)));
    for (const c of all) expect(c).toEqual(all[0]);
    const dir = join(all[0]!.executablePath, '..');
    // Only the finished directory is left: no half-written copy, none launched.
    expect(readdirSync(into).map((d) => join(into, d))).toEqual([dir]);
    expect(describeChromium(all[0]!)).toMatch(/^Chromium 1\.2\.3 \(npm package @sparticuz\/chromium [\d.]+\) at /);
    expect(readdirSync(dir).sort()).toEqual(['chromium', 'fonts', 'fonts.conf', 'lib', 'libGLESv2.so']);
    expect(all[0]!.env.LD_LIBRARY_PATH?.split(':')[0]).toBe(join(dir, 'lib'));
    // Our fonts.conf, not the package's: the host's fonts plus the shipped ones.
    const conf = readFileSync(all[0]!.env.FONTCONFIG_FILE!, 'utf8');
    expect(conf).toContain('<include ignore_missing="yes">/etc/fonts/fonts.conf</include>');
    expect(conf).toContain(`<dir>${join(dir, 'fonts')}</dir>`);
    // Found again, it is not unpacked again.
    rmSync(bin, { recursive: true });
    expect(await npmChromium(into, bin)).toEqual(all[0]);
  });
});
