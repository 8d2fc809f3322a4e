// Alert thresholds evaluated each minute as a durable job per tenant (its key, one per minute,
// keeps several nodes from doubling it): for each threshold and route, the percentile over the
// window from the merged history. A route breaches when it had at least `minRequests` and its
// percentile is above the limit; its administrators are told once (inbox and their own channels),
// and once more when it resolves — when the percentile falls to 80 % of the limit or below, or the
// traffic falls under `minRequests`. Between 80 % and 100 % it stays as it was (hysteresis), so a
// route hovering at its limit does not notify every minute.
import type { BackgroundModule } from '@attain/store';
import { notifyUsers, type Workflow } from '@attain/workflow';
import type { Store } from '../../store-port.ts';
import { routeSummaries } from './history.ts';
import { listThresholds, type Threshold } from './thresholds.ts';
import { monitoringTables } from './tables.ts';

export const MONITORING_EVALUATE_QUEUE = 'monitoring.evaluate';
export const RESOLVE_RATIO = 0.8;

const BREACH = {
  title: { en: 'Slow API: {{percentile}} of {{route}} is {{value}} ms', 'zh-CN': 'API 变慢：{{route}} 的 {{percentile}} 为 {{value}} 毫秒' },
  body: {
    en: '{{percentile}} of {{route}} was {{value}} ms over the last {{window}} minute(s) ({{count}} requests), above the alert limit of {{limit}} ms. Open Administration → API response times.',
    'zh-CN': '过去 {{window}} 分钟内 {{route}} 的 {{percentile}} 为 {{value}} 毫秒（{{count}} 个请求），超过告警阈值 {{limit}} 毫秒。请打开“管理 → API 响应时间”。',
  },
};
const RESOLVED = {
  title: { en: 'Resolved: {{percentile}} of {{route}} is back to {{value}} ms', 'zh-CN': '已恢复：{{route}} 的 {{percentile}} 回落至 {{value}} 毫秒' },
  body: {
    en: '{{percentile}} of {{route}} is {{value}} ms over the last {{window}} minute(s) ({{count}} requests); the alert (limit {{limit}} ms) that began at {{since}} is resolved.',
    'zh-CN': '过去 {{window}} 分钟内 {{route}} 的 {{percentile}} 为 {{value}} 毫秒（{{count}} 个请求）；自 {{since}} 起的告警（阈值 {{limit}} 毫秒）已恢复。',
  },
};

/** The administrators of a tenant: users of its admin roles. */
export async function adminIds(store: Store, tenant: string): Promise<string[]> {
  const registry = await store.registry(tenant);
  const roles = registry.roles.filter((r) => r.admin).map((r) => r.name);
  if (roles.length === 0) return [];
  const records = await store.records(tenant);
  return (await records.list('user', { filter: { role: { in: roles } }, limit: 200 })).data.map((u) => u.id);
}

type AlertRow = { threshold_id: string; method: string; route: string; since: Date | string; value_ms: number; count: number | string };

export interface Evaluation {
  thresholds: number;
  breached: number;
  resolved: number;
  open: number;
}

export async function evaluateThresholds(store: Store, workflow: Workflow, tenant: string, now: Date): Promise<Evaluation> {
  const port = await store.port(tenant, monitoringTables);
  const thresholds = await listThresholds(port);
  const result: Evaluation = { thresholds: thresholds.length, breached: 0, resolved: 0, open: 0 };
  let admins: string[] | undefined;
  const tell = async (template: typeof BREACH, key: string, vars: Record<string, unknown>) => {
    admins ??= await adminIds(store, tenant);
    await notifyUsers(workflow, tenant, { to: admins, template, vars, kind: 'api_latency_alert', key });
  };
  for (const t of thresholds) {
    const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (t.windowMinutes - 1) * 60_000);
    const routes = await routeSummaries(port, { grain: 'minute', from, to: new Date(now.getTime() + 1), route: t.route ?? undefined, method: t.method ?? undefined });
    const open = new Map(((await port.table('alert').where('threshold_id', t.id)) as AlertRow[]).map((a) => [`${a.method} ${a.route}`, a]));
    const vars = (method: string, route: string, value: number | null, count: number) => ({
      percentile: t.percentile,
      route: `${method} ${route}`,
      value: value ?? '—',
      count,
      limit: t.limitMs,
      window: t.windowMinutes,
    });
    for (const r of routes) {
      const value = r[t.percentile];
      const key = `${r.method} ${r.route}`;
      const alert = open.get(key);
      open.delete(key);
      const breach = r.count >= t.minRequests && value !== null && value > t.limitMs;
      if (breach && !alert) {
        const inserted = await port
          .table('alert')
          .insert({ threshold_id: t.id, method: r.method, route: r.route, since: now, value_ms: value, count: r.count, checked_at: now })
          .onConflict(['threshold_id', 'method', 'route'])
          .ignore()
          .returning('since');
        if (inserted.length) {
          await tell(BREACH, `monitoring:${t.id}:${key}:${now.toISOString()}`, vars(r.method, r.route, value, r.count));
          result.breached++;
        }
      } else if (alert && !breach && (r.count < t.minRequests || value === null || value <= t.limitMs * RESOLVE_RATIO)) {
        await resolve(port, t, alert, now, tell, vars(r.method, r.route, value, r.count));
        result.resolved++;
      } else if (alert) {
        await port
          .table('alert')
          .where({ threshold_id: t.id, method: r.method, route: r.route })
          .update({ value_ms: value ?? alert.value_ms, count: r.count, checked_at: now });
      }
    }
    // Open alerts of routes without a request in the window: too few to call it slow.
    for (const alert of open.values()) {
      await resolve(port, t, alert, now, tell, vars(alert.method, alert.route, null, 0));
      result.resolved++;
    }
  }
  result.open = Number(((await port.table('alert').count('* as n')) as Array<{ n: number | string }>)[0]?.n ?? 0);
  return result;
}

async function resolve(
  port: Awaited<ReturnType<Store['port']>>,
  t: Threshold,
  alert: AlertRow,
  now: Date,
  tell: (template: typeof RESOLVED, key: string, vars: Record<string, unknown>) => Promise<void>,
  vars: Record<string, unknown>,
): Promise<void> {
  const deleted = await port.table('alert').where({ threshold_id: t.id, method: alert.method, route: alert.route }).delete();
  const since = new Date(alert.since).toISOString();
  if (deleted) await tell(RESOLVED, `monitoring:${t.id}:${alert.method} ${alert.route}:${since}:resolved`, { ...vars, since });
}

/** Queues the evaluation at the start of the next minute (a no-op when it is queued already). */
export async function scheduleEvaluation(store: Store, tenant: string, now: Date): Promise<Date> {
  const runAt = new Date((Math.floor(now.getTime() / 60_000) + 1) * 60_000);
  await store.jobs.enqueue({ queue: MONITORING_EVALUATE_QUEUE, tenant, key: `monitoring-eval:${tenant}:${runAt.toISOString()}`, payload: { tenant }, runAt, maxAttempts: 2 });
  return runAt;
}

export function monitoringBackground(deps: { store: Store; workflow: Workflow }, now: () => Date = () => new Date()): BackgroundModule {
  return {
    name: 'monitoring',
    handlers: {
      [MONITORING_EVALUATE_QUEUE]: async (job) => {
        const p = job.payload as { tenant?: unknown };
        if (typeof p.tenant !== 'string') return { skipped: 'bad payload' };
        const at = now();
        const out = await evaluateThresholds(deps.store, deps.workflow, p.tenant, at);
        // The chain runs while there is something to watch; saving thresholds starts it again.
        if (out.thresholds > 0 || out.open > 0) await scheduleEvaluation(deps.store, p.tenant, at);
        return out;
      },
    },
  };
}
