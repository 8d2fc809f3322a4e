// Daily reports (日报) over HTTP: an admin sets which roles get one and at which hour; the daily job
// (run here for today) drafts a report per active user of those roles, prefilled from their day
// through their own scope — visits, check-ins inside the radius, photos on visits, calls, deals whose
// stage moved — and tells them; the rep edits and submits it (the figures are the server's, never
// typed in); a manager sees who has reported in their team. A points plan then counts submitted
// reports and in-radius check-ins, and the leaderboard shows the points.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { calendar, JobRunner } from '@attain/store';
import { workflowFor } from '@attain/workflow';
import { DiskFileStore } from '../src/files/index.ts';
import { funnelJobs } from '../src/modules/analytics/funnel-history.ts';
import { daily } from '../src/modules/daily/index.ts';
import { DAILY_QUEUE, hourStart, scheduleDaily } from '../src/modules/daily/schedule.ts';
import type { Store } from '../src/store-port.ts';
import { testServer } from './helpers.ts';
import { coreTenant, type CoreTenant } from './incentive-core-tenant.ts';

let app: FastifyInstance;
let store: Store;
let t: CoreTenant;
let dir: string;
let runner: JobRunner;
let today: string;
const ids: Record<string, string> = {};
const SHOP = { lat: 31.2304, lng: 121.4737 };
/**
 * A moment m minutes ago, but never before today's midnight (UTC, the tenant's zone): in the first
 * hour of a day "50 minutes ago" is yesterday, outside the day the report covers. Then the moments
 * are seconds after midnight instead, in the same order.
 */
const minutesAgo = (m: number) => {
  const at = Date.now() - m * 60_000;
  const midnight = Date.parse(`${today}T00:00:00Z`);
  return new Date(at >= midnight ? at : midnight + (60 - m) * 1000).toISOString();
};

async function photo(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
}

function multipart(name: string, bytes: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----attain${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  return { payload: Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attain-daily-'));
  ({ app, store } = await testServer(undefined, { files: { store: new DiskFileStore(dir) } }));
  // Stage changes reach the funnel's history through record events, as in a running worker.
  const funnel = funnelJobs({ store });
  for (const s of funnel.subscriptions ?? []) store.events.subscribe(s);
  const jobs = daily.jobs?.({ store, workflow: workflowFor(store as never) });
  runner = new JobRunner(store.jobs as never, { handlers: { ...funnel.handlers, ...jobs?.handlers }, batch: 200 });
  t = await coreTenant(app, store, 'dly');
  // The funnel meets the metadata first (its backfill), then follows every stage change.
  await runner.drain();
  today = calendar.localToday('UTC');
  ids.shop = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Corner shop' })).json().id;
  ids.far = (await t.call.rep1.post('/api/v1/objects/customer', { name: 'Unmapped kiosk' })).json().id;
  await t.call.admin.put(`/api/v1/field/places/${ids.shop}`, SHOP);
  // rep1's day: a check-in inside the radius with a photo, one at a customer without coordinates
  // (flagged), a call, a deal moved from prospecting to proposal.
  const inside = await t.call.rep1.post('/api/v1/field/checkins', { customerId: ids.shop, lat: 31.2306, lng: 121.4738, accuracy: 12, at: minutesAgo(50), device: 'x' });
  expect(inside.json().data.flagged).toBe(false);
  ids.visit = inside.json().data.visitId;
  await t.call.rep1.post(`/api/v1/field/checkins/${ids.visit}/checkout`, { lat: 31.2306, lng: 121.4738, accuracy: 10, at: minutesAgo(40) });
  const body = multipart('shelf.jpg', await photo());
  const up = await app.inject({ method: 'POST', url: `/api/v1/objects/visit/${ids.visit}/files`, payload: body.payload, headers: { ...body.headers, authorization: await bearer('rep1') } });
  expect(up.statusCode).toBe(201);
  const flagged = await t.call.rep1.post('/api/v1/field/checkins', { customerId: ids.far, lat: 31.2306, lng: 121.4738, accuracy: 12, at: minutesAgo(30), device: 'x' });
  expect(flagged.json().data).toMatchObject({ flagged: true, flagReason: 'no_coordinates' });
  expect((await t.call.rep1.post('/api/v1/objects/activity', { subject: 'Called the buyer', kind: 'call', occurred_at: minutesAgo(20) })).statusCode).toBe(201);
  ids.deal = (await t.call.rep1.post('/api/v1/objects/opportunity', { name: 'Summer display', customer_id: ids.shop, stage: 'prospecting', amount: '5000', close_date: today })).json().id;
  expect((await t.call.rep1.patch(`/api/v1/objects/opportunity/${ids.deal}`, { stage: 'proposal' })).statusCode).toBe(200);
  // rep2's visit, which rep1's report never counts.
  ids.kiosk = (await t.call.rep2.post('/api/v1/objects/customer', { name: 'Rep2 kiosk' })).json().id;
  await t.call.rep2.post('/api/v1/objects/visit', { customer_id: ids.kiosk, check_in_at: minutesAgo(10) });
  await runner.drain();
});
afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// The caller's bearer header (the Caller helper has no multipart upload).
async function bearer(who: 'rep1'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.name, email: `${who}@${t.name}.test`, password: 'pa55word!' } });
  return `Bearer ${res.json().token}`;
}

describe('daily report settings', () => {
  it('an admin sets roles and hours; others may only read; bad roles and hours are refused naming the field', async () => {
    expect((await t.call.rep1.get('/api/v1/daily/settings')).json().data).toEqual({ roles: [] });
    expect((await t.call.manager.put('/api/v1/daily/settings', { roles: [{ role: 'rep', enabled: true, hour: 18 }] })).statusCode).toBe(403);
    const hour = await t.call.admin.put('/api/v1/daily/settings', { roles: [{ role: 'rep', enabled: true, hour: 24 }] });
    expect(hour.statusCode).toBe(400);
    expect(hour.json().error.details[0]).toMatchObject({ path: '/roles/0/hour', rule: 'maximum' });
    const role = await t.call.admin.put('/api/v1/daily/settings', { roles: [{ role: 'pilot', enabled: true, hour: 18 }] });
    expect(role.statusCode).toBe(422);
    expect(role.json().error).toMatchObject({ code: 'unknown_role', details: [{ path: '/roles/0/role', rule: 'exists' }] });
    const twice = await t.call.admin.put('/api/v1/daily/settings', {
      roles: [
        { role: 'rep', enabled: true, hour: 18 },
        { role: 'rep', enabled: false, hour: 9 },
      ],
    });
    expect(twice.json().error).toMatchObject({ code: 'duplicate_role', details: [{ path: '/roles/1/role' }] });
    const ok = await t.call.admin.put('/api/v1/daily/settings', {
      roles: [
        { role: 'rep', enabled: true, hour: 18 },
        { role: 'manager', enabled: false, hour: 19 },
      ],
    });
    expect(ok.statusCode).toBe(200);
    expect((await t.call.rep1.get('/api/v1/daily/settings')).json().data.roles).toEqual([
      { role: 'manager', enabled: false, hour: 19 },
      { role: 'rep', enabled: true, hour: 18 },
    ]);
    const audit = (await t.call.admin.get('/api/v1/audit?object=daily_settings')).json().data as Array<{ action: string }>;
    expect(audit.map((a) => a.action)).toEqual(['daily.settings.update']);
  });

  it('saving the settings queues the next run of each enabled hour in the tenant’s zone, once', async () => {
    const queued = async () => (await store.jobs.list({ queue: DAILY_QUEUE, tenant: t.name })).filter((j) => j.status !== 'done');
    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    const job = jobs[0] as unknown as { payload: { day: string; hour: number }; runAt: string | Date };
    expect(job.payload.hour).toBe(18);
    expect(new Date(job.runAt).toISOString()).toBe(hourStart(job.payload.day, 18, 'UTC').toISOString());
    expect(new Date(job.runAt).getTime()).toBeGreaterThan(Date.now());
    expect(await scheduleDaily(store, t.name)).toBe(1);
    expect(await queued()).toHaveLength(1);
  });
});

type View = {
  id: string | null;
  date: string;
  status: string;
  visits: number;
  checkinsInRadius: number;
  photos: number;
  calls: number;
  dealsMoved: number;
  summary: string;
  tomorrowPlan: string;
  submittedAt: string | null;
};

describe('the daily job and the rep’s report', () => {
  it('the job of today’s 18:00 drafts a report for every active rep, prefilled from their own day, and tells them', async () => {
    // The run of a given day, as the worker would claim it at that hour.
    await store.jobs.enqueue({ queue: DAILY_QUEUE, tenant: t.name, key: `test:${t.name}:${today}`, payload: { tenant: t.name, day: today, hour: 18 } });
    await runner.drain();
    const done = (await store.jobs.list({ queue: DAILY_QUEUE, tenant: t.name })).find((j) => j.key === `test:${t.name}:${today}`);
    expect(done).toMatchObject({ status: 'done', result: { created: 3, existing: 0 } });
    const mine = (await t.call.rep1.get('/api/v1/daily/reports/mine')).json().data as View;
    expect(mine).toMatchObject({ date: today, status: 'draft', visits: 2, checkinsInRadius: 1, photos: 1, calls: 1, dealsMoved: 1, tomorrowPlan: '', submittedAt: null });
    expect(mine.summary).toContain('Corner shop');
    expect(mine.summary).toContain('Called the buyer');
    expect(mine.summary).toContain('Summer display: proposal');
    // rep2's day has one visit of their own; nothing of rep1's.
    expect((await t.call.rep2.get('/api/v1/daily/reports/mine')).json().data).toMatchObject({ status: 'draft', visits: 1, checkinsInRadius: 0, calls: 0, dealsMoved: 0 });
    const inbox = (await t.call.rep1.get('/api/v1/workflow/notifications')).json().data as Array<{ kind: string; title: string; record_id: string }>;
    expect(inbox.find((n) => n.kind === 'daily_report')).toMatchObject({ title: `Your daily report for ${today} is ready`, object: 'daily_report', record_id: mine.id });
    // The manager's role is off: no draft, only what one would hold.
    expect((await t.call.manager.get('/api/v1/daily/reports/mine')).json().data).toMatchObject({ id: null, status: 'new', visits: 0 });
    // Running the day again creates nothing new.
    await store.jobs.enqueue({ queue: DAILY_QUEUE, tenant: t.name, key: `test2:${t.name}:${today}`, payload: { tenant: t.name, day: today, hour: 18 } });
    await runner.drain();
    expect((await store.jobs.list({ queue: DAILY_QUEUE, tenant: t.name })).find((j) => j.key === `test2:${t.name}:${today}`)?.result).toEqual({ created: 0, existing: 3 });
  });

  it('the rep edits the text and submits; the figures are counted again; a submitted report is final', async () => {
    const edited = await t.call.rep1.put('/api/v1/daily/reports/mine', { tomorrowPlan: 'Depot at 9, then the kiosk' });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().data).toMatchObject({ status: 'draft', tomorrowPlan: 'Depot at 9, then the kiosk' });
    const sent = await t.call.rep1.post('/api/v1/daily/reports/mine/submit', { summary: 'Shop visited, display agreed.' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json().data).toMatchObject({ status: 'submitted', summary: 'Shop visited, display agreed.', tomorrowPlan: 'Depot at 9, then the kiosk', visits: 2, checkinsInRadius: 1 });
    expect(sent.json().data.submittedAt).toBeTruthy();
    expect((await t.call.rep1.post('/api/v1/daily/reports/mine/submit', {})).json().error.code).toBe('already_submitted');
    expect((await t.call.rep1.put('/api/v1/daily/reports/mine', { summary: 'more' })).statusCode).toBe(409);
    // The record is readable as any record; no role writes it through /objects.
    const id = sent.json().data.id as string;
    expect((await t.call.rep1.get(`/api/v1/objects/daily_report/${id}`)).json()).toMatchObject({ status: 'submitted', owner_id: t.ids.rep1, checkins_in_radius: 1 });
    expect((await t.call.rep1.patch(`/api/v1/objects/daily_report/${id}`, { checkins_in_radius: 99 })).statusCode).toBe(403);
    expect((await t.call.rep2.post('/api/v1/objects/daily_report', { report_date: today, status: 'submitted', checkins_in_radius: 50 })).statusCode).toBe(403);
    expect((await t.call.rep2.get(`/api/v1/objects/daily_report/${id}`)).statusCode).toBe(404);
  });

  it('refuses days that are not real or not yet begun, naming date', async () => {
    const bad = await t.call.rep1.get('/api/v1/daily/reports/mine?date=2026-02-30');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0]).toMatchObject({ path: '/date', rule: 'format' });
    const future = await t.call.rep1.put('/api/v1/daily/reports/mine', { date: calendar.addDays(today, 2), summary: 'x' });
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: 'future_day', details: [{ path: '/date' }] });
    expect((await t.call.rep1.put('/api/v1/daily/reports/mine', { notes: 'x' })).statusCode).toBe(400);
  });
});

describe('one report per person and day', () => {
  it('two saves racing for a new day make one report; a job of an hour no role uses, or a bad payload, does nothing', async () => {
    const day = calendar.addDays(today, -1);
    const [a, b] = await Promise.all([t.call.spec.put('/api/v1/daily/reports/mine', { date: day, summary: 'a' }), t.call.spec.put('/api/v1/daily/reports/mine', { date: day, tomorrowPlan: 'b' })]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().data.id).toBe(b.json().data.id);
    const filter = encodeURIComponent(JSON.stringify({ report_date: { eq: day } }));
    expect((await t.call.admin.get(`/api/v1/objects/daily_report?filter=${filter}`)).json().data).toHaveLength(1);
    await store.jobs.enqueue({ queue: DAILY_QUEUE, tenant: t.name, key: `stale:${t.name}`, payload: { tenant: t.name, day, hour: 7 } });
    await store.jobs.enqueue({ queue: DAILY_QUEUE, tenant: t.name, key: `bad:${t.name}`, payload: { tenant: t.name } });
    await runner.drain();
    const results = new Map((await store.jobs.list({ queue: DAILY_QUEUE, tenant: t.name })).map((j) => [j.key, j.result]));
    expect(results.get(`stale:${t.name}`)).toEqual({ created: 0, existing: 0 });
    expect(results.get(`bad:${t.name}`)).toEqual({ skipped: 'bad payload' });
  });
});

describe('who has reported', () => {
  it('a manager sees the team’s status; a rep only their own; finance everyone’s', async () => {
    const team = (await t.call.manager.get(`/api/v1/daily/team?date=${today}`)).json();
    expect(team.counts).toEqual({ submitted: 1, draft: 2, missing: 0 });
    const by = new Map((team.data as Array<{ userId: string; status: string; visits: number | null }>).map((r) => [r.userId, r]));
    expect(by.get(t.ids.rep1)).toMatchObject({ status: 'submitted', visits: 2 });
    expect(by.get(t.ids.rep2)).toMatchObject({ status: 'draft', visits: 1 });
    expect(by.has(t.ids.manager)).toBe(false);
    const own = (await t.call.rep2.get('/api/v1/daily/team')).json();
    expect(own.data.map((r: { userId: string }) => r.userId)).toEqual([t.ids.rep2]);
    // Finance reads every record: everyone's status.
    expect((await t.call.finance.get('/api/v1/daily/team')).json().counts).toEqual(team.counts);
    // A day nobody reported: everyone missing.
    expect((await t.call.manager.get(`/api/v1/daily/team?date=${calendar.addDays(today, -3)}`)).json().counts).toEqual({ submitted: 0, draft: 0, missing: 3 });
  });
});

describe('points for field execution', () => {
  it('a points plan pays per submitted report and per in-radius check-in and photo on it; the leaderboard shows them', async () => {
    const month = today.slice(0, 7);
    const plan = {
      kind: 'incentive_plan',
      id: 'execution',
      name: 'execution',
      label: { en: 'Field execution' },
      versions: [
        {
          version: 1,
          effectiveFrom: `${month}-01`,
          currency: 'USD',
          frequency: 'monthly',
          rounding: { scale: 2, mode: 'half_up' },
          measures: [],
          components: [
            { name: 'report_points', type: 'points', perCredit: '20', source: { object: 'daily_report', dateField: 'report_date', filter: 'status = "submitted"' } },
            {
              name: 'checkin_points',
              type: 'points',
              rate: '5',
              source: { object: 'daily_report', dateField: 'report_date', filter: 'status = "submitted"', value: 'checkins_in_radius' },
            },
            { name: 'photo_points', type: 'points', rate: '2', source: { object: 'daily_report', dateField: 'report_date', filter: 'status = "submitted"', value: 'photos' } },
          ],
        },
      ],
    };
    const put = await t.call.admin.put('/api/v1/incentives/plans/execution', plan);
    expect(put.statusCode, put.body).toBe(200);
    const assign = await t.call.admin.put('/api/v1/incentives/plans/execution/assignments', {
      assignments: [
        { payeeId: t.ids.rep1, from: `${month}-01` },
        { payeeId: t.ids.rep2, from: `${month}-01` },
      ],
    });
    expect(assign.statusCode, assign.body).toBe(200);
    // Run the period: open it, calculate.
    expect((await t.call.finance.post(`/api/v1/incentives/periods/${month}/open`)).statusCode).toBe(200);
    expect((await t.call.finance.post('/api/v1/incentives/recalculate')).statusCode).toBe(200);
    const board = (await t.call.finance.get(`/api/v1/incentives/leaderboard/${month}`)).json().data as { rows: Array<{ payeeId: string; points: string; rank: number }> };
    // rep1: one submitted report (20) with one in-radius check-in (5) and one photo (2); rep2's report is a draft.
    expect(board.rows.find((r) => r.payeeId === t.ids.rep1)).toMatchObject({ rank: 1, points: '27' });
    expect(board.rows.find((r) => r.payeeId === t.ids.rep2)?.points ?? '0').toBe('0');
    // The statement's lines name the report they counted.
    const report = (await t.call.rep1.get('/api/v1/daily/reports/mine')).json().data.id as string;
    const lines = (await t.call.rep1.get(`/api/v1/incentives/statements/${t.ids.rep1}/${month}`)).json().data.lines as Array<{
      component: string;
      points: string;
      trace: { sourceRecordIds: string[] };
    }>;
    expect(lines.map((l) => [l.component, l.points, l.trace.sourceRecordIds])).toEqual(
      expect.arrayContaining([
        ['report_points', '20', [report]],
        ['checkin_points', '5', [report]],
        ['photo_points', '2', [report]],
      ]),
    );
  });
});
