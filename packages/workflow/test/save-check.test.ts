import { describe, expect, it } from 'vitest';
import { smtpHostProblem, webhookDocProblems, webhookUrlProblem } from '../src/notify/save-check.ts';

describe('save-time outbound checks', () => {
  it('refuses literal private addresses and names that resolve to one', async () => {
    for (const url of [
      'http://127.0.0.1/x',
      'http://localhost:8080/x',
      'https://[::1]/',
      'http://169.254.169.254/latest',
      'http://metadata.google.internal/',
      'http://10.0.0.1/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.1/',
      'http://[::ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      expect(await webhookUrlProblem(url, '/url', []), url).toMatchObject({ path: '/url', rule: 'ssrf_blocked' });
    }
  });

  it('passes public literals, allowlisted hosts, and names DNS cannot answer (judged again at send time)', async () => {
    expect(await webhookUrlProblem('https://93.184.215.14/x', '/url', [])).toBeUndefined();
    expect(await webhookUrlProblem('http://localhost:8080/x', '/url', ['localhost:8080'])).toBeUndefined();
    expect(await webhookUrlProblem('http://localhost:8081/x', '/url', ['localhost:8080'])).toMatchObject({ rule: 'ssrf_blocked' });
    expect(await webhookUrlProblem('https://no-such-host.invalid/x', '/url', [])).toBeUndefined();
  });

  it('names the rule for a URL that is not one, or not http(s)', async () => {
    expect(await webhookUrlProblem('not a url', '/u', [])).toMatchObject({ rule: 'format' });
    expect(await webhookUrlProblem('gopher://93.184.215.14/', '/u', [])).toMatchObject({ rule: 'scheme' });
    expect(await webhookUrlProblem('https://user:pw@93.184.215.14/', '/u', [])).toMatchObject({ rule: 'format' });
    expect(await webhookUrlProblem(42, '/u', [])).toMatchObject({ rule: 'format' });
  });

  it("checks SMTP hosts with the sender's rules", async () => {
    expect(await smtpHostProblem({ host: 'localhost', port: 25 }, '/smtp/host', [])).toMatchObject({ path: '/smtp/host', rule: 'ssrf_blocked' });
    expect(await smtpHostProblem({ host: 'fe80::1', port: 25 }, '/smtp/host', [])).toMatchObject({ rule: 'ssrf_blocked' });
    expect(await smtpHostProblem({ host: '127.0.0.1', port: 2525 }, '/smtp/host', ['127.0.0.1:2525'])).toBeUndefined();
    expect(await smtpHostProblem({ host: '93.184.215.14', port: 587 }, '/smtp/host', [])).toBeUndefined();
    expect(await smtpHostProblem({ host: 'bad host', port: 25 }, '/smtp/host', [])).toMatchObject({ rule: 'format' });
  });

  it('finds webhook actions anywhere in automations and approval flows, and only there', async () => {
    const docs = [
      { kind: 'object', name: 'x', note: { type: 'webhook', url: 'http://127.0.0.1/' } },
      { kind: 'approval_flow', name: 'f', onApprove: [{ type: 'notify' }, { type: 'webhook', url: 'http://127.0.0.1/a' }], onReject: [{ type: 'webhook', url: 'https://93.184.215.14/' }] },
      { kind: 'automation', name: 'r', actions: [{ type: 'webhook', format: 'feishu', url: 'http://[fd00::1]/' }] },
    ];
    const problems = await webhookDocProblems(docs, [], (i) => `/documents/${i}`);
    expect(problems.map((p) => p.path)).toEqual(['/documents/1/onApprove/1/url', '/documents/2/actions/0/url']);
  });
});
