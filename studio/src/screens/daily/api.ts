// The daily module's API as the studio uses it (packages/server/src/modules/daily/).
import { api } from '../../api/client.ts';

export interface DailyReport {
  id: string | null;
  date: string;
  status: 'new' | 'draft' | 'submitted';
  submittedAt: string | null;
  visits: number;
  checkinsInRadius: number;
  photos: number;
  calls: number;
  dealsMoved: number;
  summary: string;
  tomorrowPlan: string;
}

export interface TeamRow {
  userId: string;
  name: string;
  role: string;
  status: 'missing' | 'draft' | 'submitted';
  reportId: string | null;
  submittedAt: string | null;
  visits: number | null;
  calls: number | null;
  dealsMoved: number | null;
}

export interface TeamStatus {
  data: TeamRow[];
  date: string;
  counts: { submitted: number; draft: number; missing: number };
}

export const dailyApi = {
  mine: (date?: string) => api.get<{ data: DailyReport }>('/daily/reports/mine', date ? { date } : undefined).then((r) => r.data),
  save: (body: { date: string; summary: string; tomorrowPlan: string }) => api.put<{ data: DailyReport }>('/daily/reports/mine', body).then((r) => r.data),
  submit: (body: { date: string; summary: string; tomorrowPlan: string }) => api.post<{ data: DailyReport }>('/daily/reports/mine/submit', body).then((r) => r.data),
  team: (date?: string) => api.get<TeamStatus>('/daily/team', date ? { date } : undefined),
};
