// DingTalk open platform stand-in, after its published docs: GET /gettoken (appkey, appsecret),
// POST /topapi/v2/department/get and /listsub, POST /topapi/v2/user/list with cursor paging, the
// `{errcode, errmsg, result}` envelope, and errcode 40014 for an access_token no longer valid.
import type { OrgChart } from './org-chart.ts';
import { startFake, type Fake } from './https-fake.ts';

export const DINGTALK_APP = { appKey: 'dingappkey123', appSecret: 'dingtalk-secret' };
/** Fewer than the `size` asked for, as DingTalk may answer: the plugin must follow next_cursor. */
const PAGE = 2;

export interface DingTalkFake extends Fake {
  expireTokens(): void;
}

export async function dingtalkFake(chart: OrgChart): Promise<DingTalkFake> {
  let issued = 0;
  let validFrom = 1;
  const ok = (result: unknown) => ({ json: { errcode: 0, errmsg: 'ok', result, request_id: `r${Date.now()}` } });
  const fake = await startFake((req) => {
    if (req.path === '/gettoken' && req.method === 'GET') {
      if (req.query.get('appkey') !== DINGTALK_APP.appKey || req.query.get('appsecret') !== DINGTALK_APP.appSecret) return { json: { errcode: 40089, errmsg: '不合法的corpid或corpsecret' } };
      issued += 1;
      return { json: { errcode: 0, errmsg: 'ok', access_token: `dt-token-${issued}`, expires_in: 7200 } };
    }
    const n = Number((req.query.get('access_token') ?? '').replace('dt-token-', ''));
    if (!(n >= validFrom && n <= issued)) return { json: { errcode: 40014, errmsg: '不合法的access_token' } };
    if (req.method !== 'POST') return { status: 405, json: { errcode: 43002, errmsg: '需要POST请求' } };
    const deptId = String(req.json.dept_id ?? '');
    if (req.path === '/topapi/v2/department/get') {
      const d = chart.depts.find((x) => x.id === deptId);
      if (!d) return { json: { errcode: 60003, errmsg: '部门不存在' } };
      return ok({ dept_id: Number(d.id), name: d.name, ...(d.parent ? { parent_id: Number(d.parent) } : {}), dept_manager_userid_list: d.leaders, auto_add_user: true });
    }
    if (req.path === '/topapi/v2/department/listsub') {
      return ok(chart.depts.filter((d) => d.parent === deptId).map((d) => ({ dept_id: Number(d.id), name: d.name, parent_id: Number(d.parent), auto_add_user: true, create_dept_group: false })));
    }
    if (req.path === '/topapi/v2/user/list') {
      const size = Math.min(Number(req.json.size ?? 100), 100, PAGE);
      const cursor = Number(req.json.cursor ?? 0);
      const all = chart.people.filter((p) => !p.left && p.depts.includes(deptId));
      const list = all.slice(cursor, cursor + size).map((p) => ({
        userid: p.id,
        unionid: `union-${p.id}`,
        name: p.name,
        mobile: p.mobile,
        ...(p.email ? { email: p.email } : {}),
        title: 'Sales',
        job_number: `J-${p.id}`,
        dept_id_list: (p.primary ? [p.primary, ...p.depts.filter((d) => d !== p.primary)] : p.depts).map(Number),
        leader: chart.depts.some((d) => d.id === deptId && d.leaders.includes(p.id)),
        active: true,
        admin: false,
        boss: false,
      }));
      const more = cursor + size < all.length;
      return ok({ has_more: more, ...(more ? { next_cursor: cursor + size } : {}), list });
    }
    return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
  });
  return Object.assign(fake, {
    expireTokens: () => {
      validFrom = issued + 1;
    },
  });
}
