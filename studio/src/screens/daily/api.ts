// The daily module's API as the studio uses it (packages/server/src/modules/daily/).
import { api } from '../../api/client.ts';
import type { GetDailyReportsMineResponse, GetDailyTeamResponse, PostDailyReportsMineSubmitBody, PutDailyReportsMineBody } from '../../api/generated.ts';

// The shapes are the routes' own (generated from their schemas).
export type DailyReport = GetDailyReportsMineResponse['data'];
export type TeamStatus = GetDailyTeamResponse;
export type TeamRow = TeamStatus['data'][number];
type ReportBody = PutDailyReportsMineBody;

export const dailyApi = {
  mine: (date?: string) => api.get<{ data: DailyReport }>('/daily/reports/mine', date ? { date } : undefined).then((r) => r.data),
  save: (body: ReportBody) => api.put<{ data: DailyReport }>('/daily/reports/mine', body).then((r) => r.data),
  submit: (body: PostDailyReportsMineSubmitBody) => api.post<{ data: DailyReport }>('/daily/reports/mine/submit', body).then((r) => r.data),
  team: (date?: string) => api.get<TeamStatus>('/daily/team', date ? { date } : undefined),
};
