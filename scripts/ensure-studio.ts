// `npm start` serves the built studio; build it when it is missing or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const studio = new URL('../studio/', import.meta.url).pathname;
const built = join(studio, 'dist', 'index.html');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

if (existsSync(join(studio, 'src')) && existsSync(join(studio, 'index.html'))) {
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(studio, 'src')), statSync(join(studio, 'index.html')).mtimeMs);
  if (stale) {
    console.log('Building the studio …');
    execFileSync('npm', ['run', 'build', '-w', '@attain/studio'], { stdio: 'inherit' });
  }
}
