// The dashboards API as the viewer uses it (packages/server/src/modules/analytics/dashboard-routes.ts).
import { api, download } from '../../api/client.ts';
import type { Label } from '../../api/types.ts';
import type { GetAnalyticsDashboardsNameSubscriptionsResponse, PostAnalyticsDashboardsNameSubscriptionsBody } from '../../api/generated.ts';

export type Values = Record<string, string | number | null>;
export interface ReportRow {
  keys: Array<string | null>;
  labels: Array<string | null>;
  other: boolean;
  values: Values;
}
export interface ReportResult {
  object: string;
  period: { from: string; to: string } | null;
  groups: Array<{ field: string; bucket: string | null; label: string }>;
  measures: Array<{ name: string; op: string; label: string }>;
  rows: ReportRow[];
  totals: { values: Values };
}
export interface WidgetAnswer {
  id: string;
  title: Label | null;
  chart: string;
  target: string | null;
  layout: { x: number; y: number; w: number; h: number };
  object: string;
  applied: string[];
  question: Record<string, unknown>;
  result: ReportResult | null;
  error: { code: string; message: string } | null;
  /** Further series of a combo chart, each answered like the widget. */
  series?: Array<{ id: string; title: Label | null; object: string; result: ReportResult | null; error: { code: string; message: string } | null }>;
}
export interface DashboardFilter {
  name: string;
  label?: Label;
  type: 'period' | 'field';
  field?: string;
  default?: unknown;
}
export interface DashboardSummary {
  name: string;
  label: Label;
  description?: string;
  widgets: number;
  default: boolean;
  source?: 'metadata' | 'user';
  mine?: boolean;
  team?: boolean;
  editable?: boolean;
}
export interface DashboardRun {
  name: string;
  label: Label;
  filters: DashboardFilter[];
  widgets: WidgetAnswer[];
}
export type FilterValues = Record<string, unknown>;
// Subscriptions as the routes declare them (generated from their schemas, one owner of the shape).
export type Subscription = GetAnalyticsDashboardsNameSubscriptionsResponse['data'][number];
export type NewSubscription = PostAnalyticsDashboardsNameSubscriptionsBody;
export type RobotFormat = NonNullable<NewSubscription['robot']>['format'];

export interface DatasetInfo {
  name: string;
  label: Label;
  description?: string;
  fields: Array<{ name: string; label: Label; storage: string; values?: string[]; ref?: string }>;
}

// The datasets are the server's modules': read once per page load.
let datasets: Promise<DatasetInfo[]> | undefined;

const at = (name: string) => `/analytics/dashboards/${encodeURIComponent(name)}`;

export const dashboardsApi = {
  list: () => api.get<{ data: DashboardSummary[] }>('/analytics/dashboards').then((r) => r.data),
  get: (name: string) => api.get<{ data: Record<string, unknown>; meta?: { editable?: boolean } }>(at(name)),
  defaultOne: () => api.get<{ data: { name: string } | null }>('/analytics/dashboards/default').then((r) => r.data),
  run: (name: string, filters: FilterValues) => api.post<{ data: DashboardRun }>(`${at(name)}/run`, { filters }).then((r) => r.data),
  subscriptions: (name: string) => api.get<{ data: Subscription[] }>(`${at(name)}/subscriptions`).then((r) => r.data),
  subscribe: (name: string, body: NewSubscription) => api.post<{ data: Subscription }>(`${at(name)}/subscriptions`, body).then((r) => r.data),
  unsubscribe: (name: string, id: string) => api.del<{ ok: boolean }>(`${at(name)}/subscriptions/${encodeURIComponent(id)}`),
  exportFile: (name: string, format: 'png' | 'pdf', filters: FilterValues) =>
    download(`${at(name)}/export`, { format, filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined }, `${name}.${format}`),
  datasets: () => {
    datasets ??= api.get<{ data: DatasetInfo[] }>('/analytics/datasets').then(
      (r) => r.data,
      () => {
        datasets = undefined;
        return [];
      },
    );
    return datasets;
  },
  drill: (question: Record<string, unknown>, key: string | null) =>
    api.post<{ data: { object: string; data: Array<Record<string, unknown>> } }>('/analytics/drill', { report: question, cell: { keys: { 0: key } }, limit: 20 }).then((r) => r.data),
};
