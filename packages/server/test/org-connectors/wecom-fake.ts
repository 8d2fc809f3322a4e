// WeCom (企业微信) server API stand-in, after its published docs: GET /cgi-bin/gettoken (corpid,
// corpsecret), /cgi-bin/department/list (department_leader, parentid), /cgi-bin/user/list per
// department_id (department, main_department, status), the `{errcode, errmsg}` envelope, and
// errcode 42001 for an expired access_token.
import type { OrgChart } from './org-chart.ts';
import { startFake, type Fake } from './https-fake.ts';

export const WECOM_CORP = { corpId: 'ww1234567890abcdef', corpSecret: 'wecom-secret' };

export interface WecomFake extends Fake {
  expireTokens(): void;
}

export async function wecomFake(chart: OrgChart): Promise<WecomFake> {
  let issued = 0;
  let validFrom = 1;
  const fake = await startFake((req) => {
    if (req.path === '/cgi-bin/gettoken') {
      if (req.query.get('corpid') !== WECOM_CORP.corpId || req.query.get('corpsecret') !== WECOM_CORP.corpSecret) return { json: { errcode: 40001, errmsg: 'invalid credential' } };
      issued += 1;
      return { json: { errcode: 0, errmsg: 'ok', access_token: `wc-token-${issued}`, expires_in: 7200 } };
    }
    const n = Number((req.query.get('access_token') ?? '').replace('wc-token-', ''));
    if (!(n >= validFrom && n <= issued)) return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    if (req.path === '/cgi-bin/department/list') {
      return {
        json: {
          errcode: 0,
          errmsg: 'ok',
          department: chart.depts.map((d, i) => ({ id: Number(d.id), name: d.name, name_en: d.name, department_leader: d.leaders, parentid: d.parent ? Number(d.parent) : 0, order: 100000000 - i })),
        },
      };
    }
    if (req.path === '/cgi-bin/user/list') {
      const dept = req.query.get('department_id') ?? '';
      if (!chart.depts.some((d) => d.id === dept)) return { json: { errcode: 60123, errmsg: 'invalid party id' } };
      const userlist = chart.people
        .filter((p) => !p.left && p.depts.includes(dept))
        .map((p) => ({
          userid: p.id,
          name: p.name,
          department: p.depts.map(Number),
          order: p.depts.map(() => 0),
          position: 'Sales',
          mobile: p.mobile,
          gender: '1',
          ...(p.email ? { email: p.email } : {}),
          is_leader_in_dept: p.depts.map((d) => (chart.depts.find((x) => x.id === d)?.leaders.includes(p.id) ? 1 : 0)),
          status: 1,
          main_department: Number(p.primary ?? p.depts[0]),
        }));
      return { json: { errcode: 0, errmsg: 'ok', userlist } };
    }
    return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
  });
  return Object.assign(fake, {
    expireTokens: () => {
      validFrom = issued + 1;
    },
  });
}
