/**
 * `npm run lint` part: every import follows the package direction, stays within a package's exports
 * and is declared in the importing package's package.json, which declares nothing it does not use.
 * Exits 1 listing the offending lines.
 */
import { fileURLToPath } from 'node:url';
import { checkImports } from './guardrails/check-imports.ts';
import { checkUnusedDependencies } from './guardrails/unused-deps.ts';

const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const problems = [...checkImports(root), ...checkUnusedDependencies(root)];
for (const p of problems) console.error(`${p.file}:${p.line} ${p.rule}: ${p.message}`);
console.log(problems.length === 0 ? 'imports: every import is declared, exported and goes the one way; every dependency is used' : `imports: ${problems.length} problem(s)`);
process.exitCode = problems.length === 0 ? 0 : 1;
