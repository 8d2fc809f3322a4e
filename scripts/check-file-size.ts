/**
 * `npm run lint` part: no source file longer than the limit unless listed, with a reason, in
 * scripts/guardrails/file-size.ts. Exits 1 listing the files.
 */
import { fileURLToPath } from 'node:url';
import { checkFileSizes, MAX_LINES } from './guardrails/file-size.ts';

const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const { problems, notices } = checkFileSizes(root);
for (const n of notices) console.log(`${n.file}: ${n.message}`);
for (const p of problems) console.error(`${p.file}: ${p.message}`);
console.log(problems.length === 0 ? `file size: every source file is within ${MAX_LINES} lines or a listed exception` : `file size: ${problems.length} problem(s)`);
process.exitCode = problems.length === 0 ? 0 : 1;
