import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { checksumDiff, tenantChecksum } from './checksum.ts';
import { judge, type Finding, type Probe } from './checks.ts';
import type { SecurityFixture } from './fixture.ts';
import { findingTable, knownSummary, triage } from './report.ts';
import { sendAll } from './runner.ts';

const DEBUG = process.env.SECURITY_SUITE_DEBUG === '1';
const timing = { checksum: 0, send: 0, probes: 0 };

/**
 * Runs probes and judges them, and reports data changed by requests that were refused: when
 * `outsiders` every probe counts as refused (nobody and tenant B must never change tenant A);
 * otherwise the check applies when every probe that may write (not GET) was refused.
 */
export async function run(f: SecurityFixture, probes: Probe[], before: string, outsiders = false): Promise<{ findings: Finding[]; after: string }> {
  let t0 = performance.now();
  const outcomes = await sendAll(f, probes);
  timing.send += performance.now() - t0;
  timing.probes += probes.length;
  t0 = performance.now();
  const after = await tenantChecksum(f.store, f.a.name);
  timing.checksum += performance.now() - t0;
  if (DEBUG) console.log(probes[0]?.route, JSON.stringify(timing), outcomes.map((o) => `${o.probe.caller}/${o.probe.input}:${o.status}`).join(' '));
  const findings = outcomes.flatMap((o) => judge(o, f.forbiddenText[o.probe.caller], f.forbiddenIds[o.probe.caller]));
  const refused = outsiders || outcomes.every((o) => o.probe.method === 'GET' || o.status >= 400);
  const diff = refused ? checksumDiff(before, after) : [];
  const first = probes[0];
  if (diff.length && first)
    findings.push({ kind: 'data-changed', route: first.route, caller: first.caller, input: `${probes.length} refused probes`, status: 0, snippet: `changed: ${diff.join(', ')}` });
  return { findings, after };
}

/** Fails on findings not in KNOWN_FAILURES, with a table of them; prints a summary of the known ones. */
export function verdict(findings: Finding[], title: string): void {
  // SECURITY_SUITE_REPORT=file appends every finding as a JSON line, for a full report.
  if (process.env.SECURITY_SUITE_REPORT) appendFileSync(process.env.SECURITY_SUITE_REPORT, findings.map((x) => `${JSON.stringify({ area: title, ...x })}\n`).join(''));
  const { known, fresh } = triage(findings);
  if (known.length) console.info(`${title}: ${known.length} known failures (KNOWN_FAILURES, issue #12)\nfinding | kind | route | count | callers | inputs\n${knownSummary(known)}`);
  expect(fresh, `${title}: new failures\n${findingTable(fresh)}`).toEqual([]);
}
