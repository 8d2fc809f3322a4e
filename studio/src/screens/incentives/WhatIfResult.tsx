import { useScreenText } from '../../i18n/screen-text.ts';
import { WHATIF_TEXT } from './whatif-text.ts';
import type { WhatIfResult } from './api.ts';

const deltaClass = (d: string) => (d.startsWith('-') ? 'inc-delta-down' : d === '0' ? '' : 'inc-delta-up');

/** Live and what-if payouts side by side: per payee first, then per payee and component. */
export function WhatIfResultTable({ result, name, money }: { result: WhatIfResult; name: (id: string) => string; money: (v: string, currency?: string) => string }) {
  const t = useScreenText(WHATIF_TEXT);
  const cur = result.whatif.currency;
  return (
    <div className="card card-flush" data-testid="whatif-result">
      <div className="inc-section-h" style={{ padding: '14px 18px 0' }}>
        <h2>{t('incentives.whatif.compare', { live: result.live.version ?? '—', whatif: result.whatif.version })}</h2>
        <p className="muted">{t('incentives.whatif.summary', { payees: result.totals.payees, up: result.totals.up, down: result.totals.down })}</p>
      </div>
      {result.warnings.map((w) => (
        <div key={w.path + w.rule} className="alert alert-warning">
          {w.path}: {w.message}
        </div>
      ))}
      <div className="table-wrap">
        <table className="data" aria-label={t('incentives.whatif.byPayee')} data-testid="whatif-payees">
          <thead>
            <tr>
              <th>{t('incentives.whatif.payee')}</th>
              <th className="num">{t('incentives.whatif.live')}</th>
              <th className="num">{t('incentives.whatif.candidate')}</th>
              <th className="num">{t('incentives.whatif.delta')}</th>
            </tr>
          </thead>
          <tbody>
            {result.payees.map((p) => (
              <tr key={p.payeeId} data-testid="whatif-payee">
                <td>{name(p.payeeId)}</td>
                <td className="num">{money(p.live, cur)}</td>
                <td className="num">{money(p.whatif, cur)}</td>
                <td className={`num ${deltaClass(p.delta)}`}>{money(p.delta, cur)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th>{t('incentives.whatif.total')}</th>
              <th className="num">{money(result.totals.live, cur)}</th>
              <th className="num">{money(result.totals.whatif, cur)}</th>
              <th className={`num ${deltaClass(result.totals.delta)}`}>{money(result.totals.delta, cur)}</th>
            </tr>
          </tfoot>
        </table>
      </div>
      <details className="inc-whatif-lines">
        <summary>{t('incentives.whatif.byComponent')}</summary>
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th>{t('incentives.whatif.payee')}</th>
                <th>{t('incentives.whatif.component')}</th>
                <th className="num">{t('incentives.whatif.live')}</th>
                <th className="num">{t('incentives.whatif.candidate')}</th>
                <th className="num">{t('incentives.whatif.delta')}</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((r) => (
                <tr key={`${r.payeeId}|${r.component}|${r.kind}`}>
                  <td>{name(r.payeeId)}</td>
                  <td>{r.component ?? t(`incentives.kind.${r.kind}`)}</td>
                  <td className="num">{money(r.live, cur)}</td>
                  <td className="num">{money(r.whatif, cur)}</td>
                  <td className={`num ${deltaClass(r.delta)}`}>{money(r.delta, cur)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
