// Adds up the JSON results of the suite's runs and prints one closing line CI can read.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: summarize.ts <dir>');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
  const result = JSON.parse(await readFile(join(dir, file), 'utf8')) as VitestJson;
  console.log(`${file.replace(/\.json$/, '')}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
