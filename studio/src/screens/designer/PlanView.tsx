import type { Plan } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { stepText } from '../../lib/plan-text.ts';

export function refusals(plan: Plan): string[] {
  return [...plan.steps.filter((s) => s.safe === false).map((s) => s.reason ?? s.sentence ?? s.kind), ...(plan.refused ?? []).map((r) => r.reason)];
}

/** The migration plan in words: what will happen, and what the platform refuses to do. */
export function PlanView({ plan }: { plan: Plan }) {
  const { t } = useI18n();
  const refused = refusals(plan);
  return (
    <section aria-labelledby="plan-title" className="stack">
      <h2 id="plan-title">{t('designer.planTitle')}</h2>
      {plan.steps.length === 0 && <p className="muted">{t('designer.planEmpty')}</p>}
      {plan.steps.length > 0 && (
        <ol className="plan-list" data-testid="plan-steps">
          {plan.steps.map((s, i) => (
            <li key={i} className={s.safe === false ? 'field-error' : undefined}>
              <span className="badge">{t(`planKinds.${s.kind}`) === `planKinds.${s.kind}` ? s.kind : t(`planKinds.${s.kind}`)}</span> {stepText(s, t)}
            </li>
          ))}
        </ol>
      )}
      {refused.length > 0 && (
        <div className="alert alert-warn" role="alert">
          <strong>{t('designer.planRefused')}</strong>
          <ul>
            {refused.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
