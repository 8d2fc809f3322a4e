// The data-quality API as the screens use it (routes in packages/server/src/modules/quality/).
import { api, download } from '../../api/client.ts';
// Runs, issues and scores as their routes declare them (generated); the rule's label and the
// report's latency and database parts are declared loosely by the server, so typed here.
import type { GetQualityIssuesResponse, GetQualityRunsResponse, GetQualityScoresResponse } from '../../api/generated.ts';

type Label = { en: string } & Record<string, string>;
export type Run = GetQualityRunsResponse['data'][number];
export interface Rule {
  name: string;
  label: Label;
  object: string;
  check: string;
  severity: string;
  checked: number | null;
  failed: number | null;
  score: number | null;
}
export type Issue = GetQualityIssuesResponse['data'][number];
export type Score = GetQualityScoresResponse['data'][number];
type Unavailable = { available: false; code: 'pglite' | 'no_statements' | 'statements_unreadable'; reason: string };
export interface Latency {
  route: string;
  method: string;
  count: number;
  errors4xx: number;
  errors5xx: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
/** One source of the report's import and integration errors (failed jobs, workflow runs, plugin jobs, …). */
export interface ErrorSection {
  source: string;
  label: Label & { 'zh-CN'?: string };
  total: number;
  entries: Array<{ key: string; count: number; lastAt: string; lastError: string | null }>;
}
export interface Report {
  month: string;
  generatedAt: string;
  run: Run | null;
  scores: { overall: { checked: number; failed: number; score: number | null }; byRule: Score[]; byObject: Score[]; byTeam: Score[] } | null;
  trend: Array<{ runId: string; startedAt: string; checked: number; failed: number; score: number | null; issues: number }>;
  worstRecords: Array<{ object: string; recordId: string; title: string | null; issues: number; rules: string[]; url: string }>;
  errors: ErrorSection[];
  latency: Latency[];
  database:
    | Unavailable
    | {
        available: true;
        largestTables: Array<{ table: string; rows: number; bytes: number; seqScans: number; indexScans: number }>;
        unusedIndexes: Array<{ table: string; index: string; bytes: number }>;
        missingIndexes: Array<{ table: string; rows: number; seqScans: number; indexScans: number }>;
      };
}

export const qualityApi = {
  rules: () => api.get<{ data: Rule[]; run: Run | null }>('/quality/rules'),
  issues: (q: { rule?: string; offset?: number }) =>
    api.get<{ data: Issue[]; total: number }>(`/quality/issues?limit=50&offset=${q.offset ?? 0}${q.rule ? `&rule=${encodeURIComponent(q.rule)}` : ''}`),
  run: () => api.post<{ data: { issues: number; newIssues: number } }>('/quality/runs', {}),
  report: (month: string) => api.get<{ data: Report }>(`/quality/report?month=${encodeURIComponent(month)}`),
  pdf: (month: string, locale: 'en' | 'zh-CN') => download('/quality/report/pdf', { month, locale }, `data-health-${month}-${locale}.pdf`),
};

export const pct = (s: number | null | undefined) => (s === null || s === undefined ? '—' : `${(s * 100).toFixed(1)}%`);
