// How the browser tests find their Chromium (chromium.ts): the setting wins, then Debian's,
// then the one the npm package ships — which must unpack safely when workers race for it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBIAN_CHROMIUM, describeChromium, findChromium, npmChromium } from './chromium.ts';

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
    expect((await findChromium('npm')).source).toMatch(/^npm package @sparticuz\/chromium /);
  });

  it('unpacks the npm binary once, atomically, when several workers ask at the same time', async () => {
    const [a, b] = await Promise.all([npmChromium(root), npmChromium(root)]);
    expect(b).toEqual(a);
    // Only the finished directory is left: no half-written copies.
    expect(readdirSync(root)).toEqual([join(a!.executablePath, '..').slice(root.length + 1)]);
    expect(describeChromium(a!)).toMatch(/^Chromium \d+\.[\d.]+ \(npm package @sparticuz\/chromium [\d.]+\) at /);
    // The libraries it needs resolve from the host or from the package's own lib directory.
    const ldd = execFileSync('ldd', [a!.executablePath], { env: { ...process.env, ...a!.env }, encoding: 'utf8' });
    expect(ldd).not.toContain('not found');
  });
});
