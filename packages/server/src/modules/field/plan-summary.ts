// Plan against actual, per rep and for the whole scope: planned visits, done, missed, still to
// come, all visits (planned or not), and the KPI "planned visits done ÷ planned".
import type { FastifyInstance } from 'fastify';
import { calendar } from '@attain/store';
import { arrayOf, DATE_TEXT, INTEGER, nullable, NUMBER, object, query, replies, STRING } from '../../http/route-schema.ts';
import { requireAccess } from '../../rest/request-access.ts';
import type { Store } from '../../store-port.ts';
import { plansBetween, statusOf, visitFacts } from './plan-status.ts';
import { planScope } from './plan-scope.ts';
import { period } from './plans.ts';
import { fieldPort } from './settings.ts';

const COUNTS = { planned: INTEGER, done: INTEGER, missed: INTEGER, pending: INTEGER, visits: INTEGER, doneRate: nullable(NUMBER) };
const COUNT_KEYS = ['planned', 'done', 'missed', 'pending', 'visits', 'doneRate'];
const REP = object({ userId: STRING, userName: nullable(STRING), ...COUNTS }, ['userId', ...COUNT_KEYS]);
const SUMMARY = object({ data: arrayOf(REP), team: object(COUNTS, COUNT_KEYS), from: STRING, to: STRING }, ['data', 'team', 'from', 'to']);

interface Counts {
  planned: number;
  done: number;
  missed: number;
  pending: number;
  visits: number;
  doneRate: number | null;
}

const empty = (): Counts => ({ planned: 0, done: 0, missed: 0, pending: 0, visits: 0, doneRate: null });
// Planned visits done ÷ planned, to 4 places (0.8333); null when nothing was planned.
const rate = (c: Counts): Counts => ({ ...c, doneRate: c.planned ? Math.round((c.done / c.planned) * 10_000) / 10_000 : null });

export async function planSummaryRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/field/plans/summary', { schema: { querystring: query({ from: DATE_TEXT, to: DATE_TEXT }), response: replies({ 200: SUMMARY }) } }, async (request) => {
    const access = requireAccess(request);
    const { timeZone } = await store.tenants.settings(access.tenantName);
    const today = calendar.localToday(timeZone);
    const { from, to } = period(request.query as { from?: string; to?: string }, today);
    const scope = await planScope(access);
    const port = await fieldPort(store, access.tenantName);
    const plans = await plansBetween(port, from, to, scope.owners);
    const reps = [...new Set(plans.map((p) => p.user_id))];
    const facts = await visitFacts(scope.visits.service, reps, from, to, timeZone);
    const per = new Map<string, Counts>(reps.map((r) => [r, empty()]));
    for (const plan of plans) {
      const c = per.get(plan.user_id) as Counts;
      const { status } = statusOf(plan, facts, today);
      c.planned += 1;
      if (status === 'done') c.done += 1;
      else if (status === 'missed') c.missed += 1;
      else c.pending += 1;
    }
    for (const [rep, c] of per) c.visits = facts.perOwner.get(rep) ?? 0;
    // Reps' names: they are in the caller's scope already (their plans are).
    const users = reps.length ? await (await store.records(access.tenantName)).getMany('user', reps) : [];
    const names = new Map(users.map((u) => [u.id, typeof u.name === 'string' ? u.name : null]));
    const data = [...per].map(([userId, c]) => ({ userId, userName: names.get(userId) ?? null, ...rate(c) })).sort((a, b) => String(a.userName).localeCompare(String(b.userName)));
    const team = empty();
    for (const c of per.values()) for (const k of ['planned', 'done', 'missed', 'pending', 'visits'] as const) team[k] += c[k];
    return { data, team: rate(team), from, to };
  });
}
