import type { Finding } from './checks.ts';
import { KNOWN_FAILURES, knownFailure, type KnownFailure } from './known-failures.ts';

/** A plain-text table of findings, one per line, grouped by route. */
export function findingTable(findings: readonly Finding[], limit = 200): string {
  const rows = [...findings].sort((x, y) => x.route.localeCompare(y.route) || x.kind.localeCompare(y.kind) || x.caller.localeCompare(y.caller));
  const lines = rows.slice(0, limit).map((f) => [f.kind, f.route, f.caller, f.input, String(f.status), f.snippet].join(' | '));
  if (rows.length > limit) lines.push(`… and ${rows.length - limit} more`);
  return ['kind | route | caller | input | status | snippet', ...lines].join('\n');
}

/** Splits findings into known (listed in KNOWN_FAILURES) and new ones. */
export function triage(findings: readonly Finding[], list: readonly KnownFailure[] = KNOWN_FAILURES): { known: Finding[]; fresh: Finding[] } {
  const known: Finding[] = [];
  const fresh: Finding[] = [];
  for (const f of findings) (knownFailure(f, list) ? known : fresh).push(f);
  return { known, fresh };
}

/** One line per known failure and route: how often, by whom, with which inputs. */
export function knownSummary(findings: readonly Finding[]): string {
  const groups = new Map<string, { count: number; callers: Set<string>; inputs: Set<string> }>();
  for (const f of findings) {
    const key = `${knownFailure(f)?.finding ?? '?'} | ${f.kind} | ${f.route}`;
    const g = groups.get(key) ?? { count: 0, callers: new Set(), inputs: new Set() };
    g.count++;
    g.callers.add(f.caller);
    g.inputs.add(f.input);
    groups.set(key, g);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, g]) => `${key} | ${g.count}× | ${[...g.callers].join(',')} | ${[...g.inputs].slice(0, 6).join(',')}${g.inputs.size > 6 ? ',…' : ''}`)
    .join('\n');
}
