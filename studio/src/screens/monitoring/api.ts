// The monitoring API as the page uses it (routes in packages/server/src/modules/monitoring/).
import { api } from '../../api/client.ts';
import type { GetMonitoringLatencyQuery, GetMonitoringLatencyResponse, GetMonitoringThresholdsResponse, PutMonitoringThresholdsBody, PutMonitoringThresholdsResponse } from '../../api/generated.ts';

export type Latency = GetMonitoringLatencyResponse['data'];
export type RouteRow = Latency['routes'][number];
export type Threshold = GetMonitoringThresholdsResponse['data'][number];
export type Alert = GetMonitoringThresholdsResponse['alerts'][number];
export type ThresholdInput = PutMonitoringThresholdsBody['thresholds'][number];

export const monitoringApi = {
  latency: (q: GetMonitoringLatencyQuery) => api.get<GetMonitoringLatencyResponse>('/monitoring/latency', { ...q }),
  thresholds: () => api.get<GetMonitoringThresholdsResponse>('/monitoring/thresholds'),
  saveThresholds: (thresholds: ThresholdInput[]) => api.put<PutMonitoringThresholdsResponse>('/monitoring/thresholds', { thresholds }),
};

/** The ranges the page offers: how far back and at which grain. */
export const RANGES = {
  hour: { spanMs: 3_600_000, bucket: 'minute' },
  day: { spanMs: 86_400_000, bucket: 'hour' },
  week: { spanMs: 7 * 86_400_000, bucket: 'hour' },
  month: { spanMs: 30 * 86_400_000, bucket: 'day' },
} as const;
export type RangeKey = keyof typeof RANGES;

export const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));
