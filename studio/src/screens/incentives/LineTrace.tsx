import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Link } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useRefTitle } from '../../lib/refs.ts';
import { titleField } from '../../lib/meta.ts';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PromptDialog } from '../../components/Dialog.tsx';
import { incentivesApi, type Dispute, type StatementLine } from './api.ts';
import { useMoney } from './parts.tsx';

/**
 * "Why was I paid this?": the line's plan version and component, the measures and target behind
 * it, the formula steps with their intermediate values, and the credits with links to the source
 * records. A dispute can be raised on the line from here.
 */
export function LineTrace({ line, componentLabel, dispute, onDisputed }: { line: StatementLine; componentLabel: string; dispute?: Dispute | undefined; onDisputed: () => void }) {
  const { t, formatDate } = useI18n();
  const f = useMoney();
  const tr = line.trace;
  const drill = useAsync(() => incentivesApi.line(line.payeeId, line.period, line.key), [line.payeeId, line.period, line.key]);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const measures = Object.entries(tr.measures);
  return (
    <div className="inc-trace" data-testid="line-trace">
      <dl className="inc-facts">
        <div>
          <dt>{t('incentives.trace.plan')}</dt>
          <dd data-testid="trace-plan">
            {tr.plan.name} · {t('incentives.trace.version', { version: tr.plan.version })}
          </dd>
        </div>
        <div>
          <dt>{t('incentives.trace.component')}</dt>
          <dd>{componentLabel || t(`incentives.kind.${line.kind}`)}</dd>
        </div>
        <div>
          <dt>{t('incentives.trace.period')}</dt>
          <dd>
            {tr.period}
            {tr.forPeriod ? ` ${t('incentives.trace.forPeriod', { period: tr.forPeriod })}` : ''}
          </dd>
        </div>
        {tr.dispute && (
          <div data-testid="trace-dispute">
            <dt>{t('incentives.dispute.accepted')}</dt>
            <dd>
              {t('incentives.trace.fromDispute', { line: tr.dispute.lineKey, period: tr.dispute.period, by: tr.dispute.decidedBy ?? '—', date: formatDate(tr.dispute.decidedAt) })}
              {tr.dispute.resolution ? ` — ${tr.dispute.resolution}` : ''}
            </dd>
          </div>
        )}
        {tr.span && (
          <div data-testid="trace-span">
            <dt>{t('incentives.trace.span')}</dt>
            <dd>
              {formatDate(tr.span.from)} – {formatDate(tr.span.to)}
            </dd>
          </div>
        )}
        {tr.basePeriod && (
          <div>
            <dt>{t('incentives.trace.basePeriod')}</dt>
            <dd>{tr.basePeriod}</dd>
          </div>
        )}
        {tr.target !== undefined && (
          <div>
            <dt>{t('incentives.trace.target')}</dt>
            <dd>{f.money(tr.target)}</dd>
          </div>
        )}
        {tr.attainment !== undefined && (
          <div>
            <dt>{t('incentives.trace.attainment')}</dt>
            <dd>{f.pct(tr.attainment)}</dd>
          </div>
        )}
        {tr.proration !== undefined && (
          <div>
            <dt>{t('incentives.trace.proration')}</dt>
            <dd>{f.pct(tr.proration)}</dd>
          </div>
        )}
        {measures.map(([name, m]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              {f.num(m.value)} <span className="muted small">{t('incentives.trace.fromCredits', { count: m.credits })}</span>
            </dd>
          </div>
        ))}
      </dl>

      <h4 className="inc-trace-h">{t('incentives.trace.steps')}</h4>
      <ol className="inc-steps" data-testid="trace-steps">
        {tr.steps.map((s, i) => (
          <li key={i}>
            <span className="inc-step-name">{s.step}</span>
            <code className="inc-step-formula">{s.formula}</code>
            <span className="inc-step-value">= {f.num(s.value)}</span>
          </li>
        ))}
      </ol>

      <h4 className="inc-trace-h">{t('incentives.trace.credits', { count: tr.creditCount })}</h4>
      <ErrorAlert error={drill.error} />
      {drill.loading && <div className="loading small">{t('common.loading')}</div>}
      {drill.data && drill.data.credits.length === 0 && !drill.data.records?.length && <p className="muted small">{t('incentives.trace.noCredits')}</p>}
      {drill.data && !!drill.data.records?.length && (
        <div className="table-wrap">
          <table className="data inc-credits" data-testid="trace-records">
            <thead>
              <tr>
                <th>{t('incentives.trace.date')}</th>
                <th>{t('incentives.trace.source')}</th>
                <th className="num">{t('incentives.trace.value')}</th>
              </tr>
            </thead>
            <tbody>
              {drill.data.records.map((r) => (
                <tr key={r.id}>
                  <td>{formatDate(r.date)}</td>
                  <td>
                    <SourceLink object={r.object} id={r.id} />
                  </td>
                  <td className="num">{f.num(r.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {drill.data && drill.data.credits.length > 0 && (
        <div className="table-wrap">
          <table className="data inc-credits" data-testid="trace-credits">
            <thead>
              <tr>
                <th>{t('incentives.trace.date')}</th>
                <th>{t('incentives.trace.source')}</th>
                <th>{t('incentives.trace.creditKind')}</th>
                <th className="num">{t('incentives.trace.share')}</th>
                <th className="num">{t('incentives.trace.amount')}</th>
              </tr>
            </thead>
            <tbody>
              {drill.data.credits.map((c) => (
                <tr key={c.id}>
                  <td>{formatDate(c.date)}</td>
                  <td>
                    <SourceLink object={c.object} id={c.record_id ?? c.tx_id} />
                  </td>
                  <td>
                    {t(`incentives.creditKind.${c.kind}`)}
                    {c.level > 0 ? ` · L${c.level}` : ''}
                  </td>
                  <td className="num">{f.num(c.pct)}%</td>
                  <td className="num">
                    {f.money(c.amount)}
                    {c.currency !== line.currency ? (
                      <span className="muted small">
                        {' '}
                        ({f.num(c.original_amount)} {c.currency} × {f.num(c.fx_rate)})
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="inc-trace-actions">
        {dispute ? (
          <span className={`badge ${dispute.status === 'open' ? 'badge-accent' : dispute.status === 'accepted' ? 'badge-success' : 'badge-danger'}`} data-testid="dispute-status">
            {t(`incentives.dispute.${dispute.status}`)}
            {dispute.resolution ? ` — ${dispute.resolution}` : ''}
          </span>
        ) : (
          <button type="button" className="btn btn-sm" onClick={() => setAsking(true)}>
            {t('incentives.dispute.raise')}
          </button>
        )}
      </div>
      <ErrorAlert error={error} />
      <PromptDialog
        open={asking}
        title={t('incentives.dispute.title')}
        label={t('incentives.dispute.reason')}
        hint={t('incentives.dispute.hint')}
        submitLabel={t('incentives.dispute.submit')}
        validate={(v) => (v.trim() ? undefined : t('incentives.dispute.reasonRequired'))}
        onClose={() => setAsking(false)}
        onSubmit={async (reason) => {
          setError(null);
          try {
            await incentivesApi.raiseDispute({ payeeId: line.payeeId, period: line.period, lineKey: line.key, reason });
            setAsking(false);
            onDisputed();
          } catch (e) {
            setError(e);
          }
        }}
      />
    </div>
  );
}

/** A credit's source record, by its title when the user may read it (else the object and a short id). */
function SourceLink({ object, id }: { object: string; id: string }) {
  const { object: doc } = useSession();
  const { label } = useI18n();
  const d = doc(object);
  const title = useRefTitle(d ? object : undefined, id, d ? titleField(d) : 'id');
  return (
    <Link to={`/o/${encodeURIComponent(object)}/${encodeURIComponent(id)}`} data-testid="source-record">
      {d ? label(d.label, object) : object} {title ?? id.slice(0, 8)}
    </Link>
  );
}
