// Feishu Open Platform stand-in, after its published docs: auth v3 tenant_access_token/internal,
// contact v3 departments/:id/children (fetch_child, page_size, page_token) and
// users/find_by_department, the `{code, msg, data}` envelope, and 99991663 for a token that is
// no longer valid.
import type { OrgChart } from './org-chart.ts';
import { startFake, type Fake } from './https-fake.ts';

export const FEISHU_APP = { appId: 'cli_a1b2c3', appSecret: 'feishu-secret' };
/** The fake answers fewer items than asked, as Feishu may: the plugin must follow page_token. */
const PAGE = 3;

export interface FeishuFake extends Fake {
  /** Makes every token issued so far invalid (the next call gets 99991663). */
  expireTokens(): void;
}

const token = (n: number) => `t-g1044${n}`;
const cursor = (n: number) => Buffer.from(`offset:${n}`).toString('base64');
const offset = (t: string | null) => (t ? Number(Buffer.from(t, 'base64').toString().split(':')[1]) : 0);

export async function feishuFake(chart: OrgChart): Promise<FeishuFake> {
  let issued = 0;
  let validFrom = 1;
  const paged = (items: unknown[], q: URLSearchParams) => {
    const start = offset(q.get('page_token'));
    const size = Math.min(Number(q.get('page_size') ?? 50), PAGE);
    const next = start + size < items.length ? start + size : null;
    return { code: 0, msg: 'success', data: { has_more: next !== null, ...(next !== null ? { page_token: cursor(next) } : {}), items: items.slice(start, start + size) } };
  };
  const fake = await startFake((req) => {
    if (req.path === '/open-apis/auth/v3/tenant_access_token/internal') {
      if (req.method !== 'POST' || req.json.app_id !== FEISHU_APP.appId || req.json.app_secret !== FEISHU_APP.appSecret) return { json: { code: 10014, msg: 'app secret invalid' } };
      issued += 1;
      return { json: { code: 0, msg: 'ok', tenant_access_token: token(issued), expire: 7200 } };
    }
    const auth = String(req.headers.authorization ?? '');
    const n = Number(auth.replace('Bearer t-g1044', ''));
    if (!auth.startsWith('Bearer t-g1044') || !(n >= validFrom && n <= issued))
      return { status: 400, json: { code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' } };
    const one = /^\/open-apis\/contact\/v3\/departments\/([^/]+)$/.exec(req.path);
    const found = one && chart.depts.find((d) => d.id === decodeURIComponent(one[1] as string));
    if (found)
      return {
        json: {
          code: 0,
          msg: 'success',
          data: { department: { name: found.name, open_department_id: found.id, parent_department_id: found.parent ?? '', leader_user_id: found.leaders[0] ?? '', status: { is_deleted: false } } },
        },
      };
    const children = /^\/open-apis\/contact\/v3\/departments\/([^/]+)\/children$/.exec(req.path);
    if (children && req.method === 'GET') {
      const parent = decodeURIComponent(children[1] as string);
      const below = (id: string): typeof chart.depts => chart.depts.filter((d) => d.parent === id).flatMap((d) => [d, ...(req.query.get('fetch_child') === 'true' ? below(d.id) : [])]);
      const items = below(parent).map((d) => ({
        name: d.name,
        i18n_name: { zh_cn: d.name, en_us: d.name },
        parent_department_id: d.parent,
        department_id: `D${d.id}`,
        open_department_id: d.id,
        leader_user_id: d.leaders[0],
        chat_id: '',
        order: '0',
        status: { is_deleted: false },
      }));
      return { json: paged(items, req.query) };
    }
    if (req.path === '/open-apis/contact/v3/users/find_by_department' && req.method === 'GET') {
      const dept = req.query.get('department_id');
      const items = chart.people
        .filter((p) => !p.left && p.depts.includes(dept ?? ''))
        .map((p) => ({
          union_id: `on_${p.id}`,
          user_id: `u${p.id}`,
          open_id: p.id,
          name: p.name,
          en_name: p.name,
          email: p.email ?? '',
          mobile: `+86${p.mobile}`,
          mobile_visible: true,
          status: { is_frozen: false, is_resigned: false, is_activated: true, is_exited: false, is_unjoin: false },
          department_ids: p.depts,
          leader_user_id: '',
          job_title: 'Sales',
          employee_no: `E-${p.id}`,
          orders: p.depts.map((d, i) => ({ department_id: d, user_order: 0, department_order: i, is_primary_dept: d === (p.primary ?? p.depts[0]) })),
        }));
      return { json: paged(items, req.query) };
    }
    return { status: 404, json: { code: 404, msg: 'not found' } };
  });
  return Object.assign(fake, {
    expireTokens: () => {
      validFrom = issued + 1;
    },
  });
}
