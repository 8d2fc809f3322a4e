// The goals API as the screens use it (`/api/v1/goals/...`).
import { api } from '../../api/client.ts';
import type { Label } from '../../api/types.ts';

export type SplitMethod = 'equal' | 'weights' | 'last_year' | 'seasonality' | 'headcount';
export const METHODS: SplitMethod[] = ['equal', 'weights', 'last_year', 'seasonality', 'headcount'];

export type KpiUnit = 'money' | 'count' | 'percent' | 'number';
export type KpiAggregate = 'sum' | 'count' | 'avg' | 'ratio';

export interface KpiDoc {
  kind?: 'kpi';
  id?: string;
  name: string;
  label: Label;
  object: string;
  measure?: { aggregate: KpiAggregate; value?: string; filter?: string; denominator?: { value?: string; filter?: string } };
  dateField?: string;
  ownerField?: string;
  dimensions?: string[];
  unit?: KpiUnit;
  direction?: string;
  scale?: number;
}

export type PeriodMethod = 'equal' | 'seasonality' | 'weights';

export interface PlanDoc {
  name: string;
  label: Label;
  kpi: string;
  year: number;
  total: string;
  method?: SplitMethod;
  firstMonth?: number;
  kind?: 'target_plan';
  id?: string;
  orgUnit?: string;
  periodMethod?: PeriodMethod;
  periodWeights?: string[];
  historyYears?: number;
}

export interface Lock {
  node: string;
  month?: string;
  value: string;
}

export interface PlanRequest {
  total?: string;
  method?: SplitMethod;
  weights?: Record<string, string>;
  locks?: Lock[];
}

export interface GridRow {
  node: string;
  parent: string | null;
  kind: 'unit' | 'person';
  label: string;
  userId: string | null;
  unitId: string | null;
  depth: number;
  cells: string[];
  year: string;
  locked: Array<string | null>;
}

export interface PlanGrid {
  plan: string;
  kpi: string;
  months: string[];
  scale: number;
  total: string;
  method: SplitMethod;
  rows: GridRow[];
}

export type VersionStatus = 'draft' | 'submitted' | 'active' | 'rejected' | 'superseded';

export interface PlanVersion {
  id: string;
  plan: string;
  version: number;
  status: VersionStatus;
  total: string;
  created_at: string;
  active_from: string | null;
}

export interface AttainmentRow {
  subject: { kind: 'person' | 'unit'; id: string; name: string };
  kpi: string;
  period: string;
  actual: number | null;
  target: number | null;
  attainment: number | null;
  expected: number | null;
  pacing: number | null;
  projection: number | null;
  rank?: number;
  monthly: Array<{ month: string; actual: number | null; target: number | null }>;
}

export interface AttainmentResponse {
  data: AttainmentRow[];
  asOf: string;
  myUnit: string | null;
  peers?: { rank: number; of: number } | null;
}

export interface ReconcileResponse {
  months: string[];
  data: Array<{ node: string; topDown: string[]; bottomUp: string[]; gap: string[]; gapYear: string }>;
}

export const goalsApi = {
  kpis: () => api.get<{ data: KpiDoc[]; plans: PlanDoc[] }>('/goals/kpis'),
  putKpi: (doc: KpiDoc) => api.put<unknown>(`/goals/kpis/${encodeURIComponent(doc.name)}`, doc),
  /** A target plan is a metadata document: an admin applies it (merged into the tenant's documents). */
  putPlan: (doc: PlanDoc) => api.post<unknown>('/metadata/apply', { documents: [doc] }),
  preview: (plan: string, req: PlanRequest) => api.post<PlanGrid>(`/goals/plans/${encodeURIComponent(plan)}/preview`, req),
  versions: (plan: string) => api.get<{ data: PlanVersion[] }>(`/goals/plans/${encodeURIComponent(plan)}/versions`),
  version: (plan: string, id: string) => api.get<{ version: PlanVersion; request: PlanRequest }>(`/goals/plans/${encodeURIComponent(plan)}/versions/${id}`),
  save: (plan: string, req: PlanRequest) => api.post<{ version: PlanVersion; grid: PlanGrid }>(`/goals/plans/${encodeURIComponent(plan)}/versions`, req),
  act: (plan: string, id: string, action: 'submit' | 'approve' | 'reject') => api.post<PlanVersion>(`/goals/plans/${encodeURIComponent(plan)}/versions/${id}/${action}`),
  attainment: (q: { kpi: string; period: string; asOf?: string; person?: string; unit?: string; team?: string; pacing?: 'linear' | 'seasonal' }) => api.get<AttainmentResponse>('/goals/attainment', q),
  notifications: () => api.get<{ data: Notice[]; unread: number }>('/goals/notifications'),
  markRead: (ids: string[] | 'all') => api.post<{ read: number }>('/goals/notifications/read', { ids }),
  rules: () => api.get<{ data: AlertRuleDoc[] }>('/goals/alerts/rules'),
  putRule: (rule: AlertRuleDoc) => api.put<AlertRuleDoc>(`/goals/alerts/rules/${encodeURIComponent(rule.name)}`, rule),
  deleteRule: (name: string) => api.del<unknown>(`/goals/alerts/rules/${encodeURIComponent(name)}`),
  runAlerts: () => api.post<{ evaluated: number; fired: Array<{ rule: string; subject: string; to: string[] }> }>('/goals/alerts/run'),
};

/** A goal alert rule as the server keeps it (`threshold` is a share of the expected pace, 0.8 = 80 %). */
export interface AlertRuleDoc {
  name: string;
  kind: 'pacing_below' | 'no_activity';
  kpi: string;
  threshold?: number;
  fromDay?: number;
  pacing?: 'linear' | 'seasonal';
  days?: number;
  unit?: string;
  enabled?: boolean;
}

export interface Notice {
  id: string;
  kind: string;
  rule: string;
  params: Record<string, string | number>;
  subject_id: string;
  created_at: string;
  read_at: string | null;
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The period keys a picker offers around a day: its month, its quarter and its year. */
export function periodsOf(day: string): { month: string; quarter: string; year: string } {
  const y = day.slice(0, 4);
  const m = Number(day.slice(5, 7));
  return { month: day.slice(0, 7), quarter: `${y}-Q${Math.ceil(m / 3)}`, year: y };
}
