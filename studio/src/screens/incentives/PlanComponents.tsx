import { useContext, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { LintContext } from './lint.tsx';
import { ComponentEditor } from './ComponentEditor.tsx';
import { newComponent } from './templates.ts';
import type { ComponentDef, MeasureDef } from './api.ts';

/** A version's components as tabs (a tab with a linter issue is marked), the selected one in the editor. */
export function PlanComponents({
  components,
  measures,
  current,
  onSelect,
  onChange,
  readOnly = false,
}: {
  /** A frozen version: the tabs still switch, nothing else changes. */
  readOnly?: boolean;
  components: ComponentDef[];
  measures: MeasureDef[];
  current: number;
  onSelect: (i: number) => void;
  onChange: (components: ComponentDef[]) => void;
}) {
  const { t, label } = useI18n();
  const { issues, base } = useContext(LintContext);
  const hasIssue = (i: number) => issues.some((x) => x.path.startsWith(`${base}/components/${i}/`) || x.path === `${base}/components/${i}`);
  const selected = components[current];
  const frame = (children: ReactNode) =>
    readOnly ? (
      <fieldset className="inc-locked" disabled>
        {children}
      </fieldset>
    ) : (
      children
    );
  return (
    <div className="card">
      <div className="inc-section-h">
        <h2>{t('incentives.designer.components')}</h2>
        <button
          type="button"
          className="btn btn-sm"
          disabled={readOnly}
          onClick={() => {
            onChange([...components, newComponent(`component_${components.length + 1}`, measures[0]?.name)]);
            onSelect(components.length);
          }}
        >
          + {t('incentives.designer.addComponent')}
        </button>
      </div>
      <div className="inc-comp-tabs" role="tablist" aria-label={t('incentives.designer.components')}>
        {components.map((c, i) => (
          <button key={i} type="button" role="tab" aria-selected={i === current} className={`inc-comp-tab${hasIssue(i) ? ' has-error' : ''}`} onClick={() => onSelect(i)}>
            {label(c.label, c.name)}
          </button>
        ))}
      </div>
      {selected &&
        frame(
          <>
            <ComponentEditor index={current} value={selected} measures={measures} onChange={(c) => onChange(components.map((x, k) => (k === current ? c : x)))} />
            <div className="inc-comp-actions">
              <button
                type="button"
                className="btn btn-danger btn-sm"
                onClick={() => {
                  onChange(components.filter((_, k) => k !== current));
                  onSelect(0);
                }}
              >
                {t('incentives.designer.removeComponent')}
              </button>
            </div>
          </>,
        )}
    </div>
  );
}
