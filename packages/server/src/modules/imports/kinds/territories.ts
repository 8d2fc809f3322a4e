// Territories (customer → payee, read by the `assignment` crediting rule): customer, payee, from,
// to. A file row is added to the stored list, replacing the span of the same customer, payee and
// start; the list is saved through the incentive engine (its checks, audit and recomputation).
// Admins, as PUT /incentives/territories.
import { IncentiveEngine } from '@attain/engine';
import { isAdmin } from '../../../rbac/permissions.ts';
import type { ImportKind, KindContext, TypedRow } from '../kind.ts';
import { toRowDetails } from '../kind.ts';
import { ImportRefusal } from '../refusal.ts';
import { mergeSpans, spanProblems, type Span } from './spans.ts';

async function merged(rows: readonly TypedRow[], { store, access }: KindContext) {
  const engine = new IncentiveEngine(store as never, access.tenantName);
  const stored = (await engine.keyedAssignments('territory')).map((a) => ({ key: (a as { customerId: string }).customerId, payeeId: a.payeeId, from: a.from, to: a.to }));
  const file: Span[] = rows.map((r) => ({ key: r.values.customer as string, payeeId: r.values.payee as string, from: r.values.from as string, to: r.values.to ?? null, row: r.row }));
  return { engine, ...mergeSpans(stored, file) };
}

export const territoriesKind: ImportKind = {
  name: 'territories',
  label: { en: 'Territories', 'zh-CN': '区域分配' },
  who: 'an admin',
  allowed: (access) => isAdmin(access.principal.role),
  columns: [
    { field: 'customer', type: 'record', object: 'customer', required: true, label: { en: 'Customer', 'zh-CN': '客户' }, aliases: ['customer_id'] },
    { field: 'payee', type: 'user', required: true, label: { en: 'Payee', 'zh-CN': '收款人' }, aliases: ['payee_id', 'email'] },
    { field: 'from', type: 'date', required: true, label: { en: 'From', 'zh-CN': '开始日期' }, aliases: ['valid_from'] },
    { field: 'to', type: 'date', label: { en: 'To', 'zh-CN': '结束日期' }, aliases: ['valid_to'] },
  ],
  async check(rows, ctx) {
    const issues = [...spanProblems(rows), ...(await merged(rows, ctx)).issues];
    if (issues.length) throw new ImportRefusal(issues);
  },
  async apply(rows, ctx) {
    const { engine, list } = await merged(rows, ctx);
    const lines = list.map((s) => s.row);
    try {
      await engine.setKeyedAssignments(
        'territory',
        list.map((s) => ({ customerId: s.key, payeeId: s.payeeId, from: s.from, to: s.to })),
        ctx.access.actor,
      );
    } catch (error) {
      const e = error as { details?: Array<{ path: string; rule: string; message: string }> };
      if (Array.isArray(e.details)) {
        const mapped = toRowDetails(e.details, '/territories', (i) => lines[i]).map((d) => ({ ...d, path: d.path.replace(/\/customerId$/, '/customer').replace(/\/payeeId$/, '/payee') }));
        e.details.splice(0, e.details.length, ...mapped);
      }
      throw error;
    }
  },
};
