// Which Chromium the browser tests drive. In order:
//   1. ATTAIN_CHROMIUM: a path to a Chromium binary, or `npm` for the npm-shipped one below;
//   2. Debian's /usr/bin/chromium when it is installed;
//   3. the Chromium that @sparticuz/chromium ships inside its npm tarball (brotli-packed), so
//      that `npm install && npm test` needs nothing else: no download, no root, no apt.
// The npm binary is unpacked once per package version into the temp directory. Several vitest
// workers may start at once, so each unpacks into a private directory and renames it into
// place: the rename is atomic, a loser drops its copy, and nobody ever launches a half-written
// binary (the package's own executablePath() checks for /tmp/chromium while it is still being
// written, and shares one unversioned path between checkouts).
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { extract } from 'tar-fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const NPM_PACKAGE = '@sparticuz/chromium';

export interface ChromiumChoice {
  executablePath: string;
  /** Says where the binary came from, for the line the test run prints. */
  source: string;
  /** Extra environment for the browser process (the npm binary's libraries and fonts). */
  env: Record<string, string>;
}

export async function findChromium(setting = process.env.ATTAIN_CHROMIUM): Promise<ChromiumChoice> {
  const wanted = setting?.trim();
  if (wanted && wanted !== 'npm') {
    if (!existsSync(wanted)) throw new Error(`ATTAIN_CHROMIUM=${wanted}: no such file (give a Chromium binary, or "npm" for the one @sparticuz/chromium ships)`);
    return { executablePath: wanted, source: 'ATTAIN_CHROMIUM', env: {} };
  }
  if (!wanted && existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, source: 'Debian package chromium', env: {} };
  return npmChromium();
}

/** One line for humans: version, origin and path of the browser the e2e files will launch. */
export function describeChromium(c: ChromiumChoice): string {
  const version = execFileSync(c.executablePath, ['--version'], { env: { ...process.env, ...c.env }, encoding: 'utf8', timeout: 60_000 }).trim();
  return `${version} (${c.source}) at ${c.executablePath}`;
}

/**
 * The npm-shipped binary, unpacked under `root`. Tests pass their own `root` and, to prove the
 * unpacking without writing 200 MB each run, a `bin` of small stand-in archives.
 */
export async function npmChromium(root = tmpdir(), bin?: string): Promise<ChromiumChoice> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${NPM_PACKAGE} ships Chromium for Linux x64 only (this is ${process.platform} ${process.arch}): install Chromium and set ATTAIN_CHROMIUM to its path`);
  }
  // createRequire, not import.meta.resolve: vitest's globalSetup runner lacks the latter.
  const pkgDir = dirname(dirname(createRequire(import.meta.url).resolve(NPM_PACKAGE)));
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  // The uid keeps users apart: the directory is private (mkdtemp makes it 0700).
  const dir = join(root, `attain-chromium-${version}-${process.getuid?.() ?? 0}`);
  if (!existsSync(join(dir, 'chromium'))) await unpack(bin ?? join(pkgDir, 'bin'), dir);
  return {
    executablePath: join(dir, 'chromium'),
    source: `npm package ${NPM_PACKAGE} ${version}`,
    env: {
      // Its own NSS build (from the package's al2023 archive), so the host needs no libnss3.
      LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
  };
}

async function unpack(bin: string, dir: string): Promise<void> {
  const partial = await mkdtemp(`${dir}.partial-`);
  try {
    await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(partial, 'chromium'), { mode: 0o755 }));
    // SwiftShader beside the binary: without it the GPU process fails to start and logs errors.
    for (const archive of ['swiftshader.tar.br', 'al2023.tar.br', 'fonts.tar.br']) {
      await pipeline(createReadStream(join(bin, archive)), createBrotliDecompress(), extract(partial));
    }
    // The package's fonts.conf points at Lambda paths; ours keeps the host's fonts (DejaVu,
    // and CJK ones where installed) and adds the shipped Open Sans so text always has a face.
    writeFileSync(
      join(partial, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${join(dir, 'fonts')}</dir>`,
        `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      await rename(partial, dir);
    } catch (e) {
      // Another worker finished first: its copy is as good as ours.
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(dir, 'chromium'))) throw e;
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}
