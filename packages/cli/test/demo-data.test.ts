import { describe, expect, it } from 'vitest';
import { buildDemoData } from '../src/seed/demo-data.ts';
import { Random } from '../src/seed/random.ts';

describe('demo data', () => {
  const today = new Date('2026-11-27T00:00:00Z');
  const data = buildDemoData(today);
  const batch = (object: string) => data.batches.filter((b) => b.object === object && !b.afterInsert).flatMap((b) => b.records);

  it('is deterministic', () => {
    expect(JSON.stringify(buildDemoData(today))).toBe(JSON.stringify(data));
    expect(JSON.stringify(buildDemoData(today, undefined, 7))).not.toBe(JSON.stringify(data));
  });

  it('builds a three-level org of about 50 people with one login per role', () => {
    const units = batch('org_unit');
    expect(units.map((u) => u.values.level)).toEqual([0, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const users = batch('user');
    expect(users.length).toBeGreaterThanOrEqual(48);
    expect(users.length).toBeLessThanOrEqual(55);
    expect(new Set(users.map((u) => u.values.email)).size).toBe(users.length);
    expect(new Set(data.people.map((p) => p.role))).toEqual(new Set(['manager', 'finance', 'rep']));
    const ids = new Set(users.map((u) => u.external_id));
    for (const u of users) if (u.refs?.manager_id) expect(ids.has(u.refs.manager_id)).toBe(true);
  });

  it('has hundreds of customers and thousands of opportunities, orders with lines, visits and activities', () => {
    expect(batch('customer')).toHaveLength(300);
    expect(batch('opportunity').length).toBeGreaterThan(1000);
    expect(batch('order').length).toBeGreaterThan(1000);
    expect(batch('order_line').length).toBeGreaterThan(batch('order').length);
    expect(batch('visit').length).toBeGreaterThan(500);
    expect(batch('activity').length).toBeGreaterThan(500);
    for (const order of batch('order')) {
      const lines = batch('order_line').filter((l) => l.refs?.order_id === order.external_id);
      const sum = lines.reduce((s, l) => s + Math.round(Number(l.values.amount) * 100), 0);
      expect(Math.round(Number(order.values.amount) * 100)).toBe(sum);
      if (order.values.order_number === 'SO-100050') break;
    }
    expect(batch('opportunity').every((o) => /^\d+\.\d{2}$/.test(String(o.values.amount)))).toBe(true);
  });

  it('shares one recently paid order 60/40 between its owner and a teammate', () => {
    const splits = batch('order_split');
    expect(splits.map((s) => s.values.pct)).toEqual(['60', '40']);
    const order = batch('order').find((o) => o.external_id === splits[0]?.refs?.order_id);
    expect(order?.values.status).toBe('paid');
    expect(splits[0]?.refs?.payee_id).toBe(order?.owner);
    const team = (id: string | undefined) => batch('user').find((u) => u.external_id === id)?.refs?.org_unit_id;
    expect(team(splits[1]?.refs?.payee_id)).toBe(team(order?.owner));
    expect(splits[1]?.refs?.payee_id).not.toBe(order?.owner);
  });

  it('random helpers stay in range', () => {
    const r = new Random(1);
    for (let i = 0; i < 100; i++) {
      const n = r.int(3, 5);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
    expect(() => r.pick([])).toThrow();
    expect(() => r.weighted([])).toThrow();
    expect(r.money(1, 2)).toMatch(/^\d\.\d{2}$/);
  });
});
