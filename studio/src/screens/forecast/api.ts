// The forecast API as the screen uses it (packages/server/src/modules/analytics/forecast-routes.ts).
// Money travels as decimal text.
import { api } from '../../api/client.ts';

export type Category = 'pipeline' | 'best_case' | 'commit' | 'closed';
export const CATEGORIES: readonly Category[] = ['pipeline', 'best_case', 'commit', 'closed'];

export interface ForecastNumbers {
  categories: Record<Category, string>;
  commit: string;
  bestCase: string;
  weightedPipeline: string;
  winRate: string | null;
  weightedByWinRate: string;
  wonToDate: string;
  runRate: string | null;
  seasonal: string | null;
}
export interface Submission {
  id: string;
  period: string;
  userId: string;
  kind: 'own' | 'override';
  unitId: string | null;
  commit: string;
  bestCase: string;
  note: string | null;
  submittedAt: string;
}
export interface Member {
  userId: string;
  name?: string | null;
  numbers: ForecastNumbers;
  submission: Submission | null;
}
export interface Forecast {
  period: string;
  from: string;
  to: string;
  today: string;
  numbers: ForecastNumbers;
  submission: Submission | null;
  team: { unitId: string | null; members: Member[]; rollup: { commit: string; bestCase: string; submitted: number; computed: number }; override: Submission | null } | null;
}

export const forecastApi = {
  get: (period: string) => api.get<{ data: Forecast }>(`/analytics/forecast?period=${encodeURIComponent(period)}`),
  submit: (body: { period: string; commit: string; bestCase: string; note?: string; forUnit?: string }) => api.post<{ data: Submission }>('/analytics/forecast/submissions', body),
};

/** The calendar quarter of a day (`2026-Q4`); a tenant with another fiscal year types its own key. */
export function quarterOf(d: Date): string {
  return `${d.getFullYear()}-Q${Math.floor(d.getMonth() / 3) + 1}`;
}
