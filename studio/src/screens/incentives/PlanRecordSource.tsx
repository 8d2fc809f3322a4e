import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { allFieldInfos } from '../../lib/meta.ts';
import { FormulaEditor } from '../../components/FormulaEditor.tsx';
import { CellSelect, CellIssue } from './lint.tsx';
import type { RecordSource } from './api.ts';

/**
 * Counting records of an object instead of credits (checked-in visits, logged calls): which
 * object, the date that puts a record in a period, whose it is, which records count (a
 * condition formula) and what each is worth (a number formula).
 */
export function PlanRecordSource({ id, path, value, onChange }: { id: string; path: string; value: RecordSource | undefined; onChange: (s: RecordSource | undefined) => void }) {
  const { t, label } = useI18n();
  const session = useSession();
  const doc = value ? session.object(value.object) : undefined;
  const fields = doc ? allFieldInfos(doc) : [];
  const dates = fields.filter((f) => f.storage === 'date' || f.storage === 'datetime');
  const people = fields.filter((f) => f.ref === 'user' || f.name === 'owner_id');
  const set = (patch: Partial<RecordSource>) => {
    if (!value) return;
    const next: Record<string, unknown> = { ...value, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined || v === '') delete next[k];
    onChange(next as unknown as RecordSource);
  };
  const pick = (object: string) => {
    const d = session.object(object);
    const firstDate = d ? allFieldInfos(d).find((f) => f.storage === 'date' || f.storage === 'datetime')?.name : undefined;
    return { object, dateField: firstDate ?? 'created_at' };
  };
  const options = (list: typeof fields, current: string | undefined) => (
    <>
      {current && !list.some((f) => f.name === current) && <option value={current}>{current}</option>}
      {list.map((f) => (
        <option key={f.name} value={f.name}>
          {label(f.label, f.name)}
        </option>
      ))}
    </>
  );
  return (
    <div className="inc-source" data-testid="record-source">
      <label className="checkbox-line">
        <input
          type="checkbox"
          checked={Boolean(value)}
          onChange={(e) => onChange(e.target.checked ? pick(session.objects.find((o) => o.name === 'visit')?.name ?? session.objects[0]?.name ?? 'order') : undefined)}
        />{' '}
        {t('incentives.source.on')}
      </label>
      {value && (
        <>
          <div className="inc-grid-2">
            <div className="field">
              <label className="field-label" htmlFor={`${id}-object`}>
                {t('incentives.source.object')}
              </label>
              <CellSelect id={`${id}-object`} path={`${path}/object`} value={value.object} onChange={(e) => onChange({ ...value, ...pick(e.target.value) })}>
                {!session.object(value.object) && <option value={value.object}>{value.object}</option>}
                {session.objects.map((o) => (
                  <option key={o.name} value={o.name}>
                    {label(o.label, o.name)}
                  </option>
                ))}
              </CellSelect>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`${id}-date`}>
                {t('incentives.source.dateField')}
              </label>
              <CellSelect id={`${id}-date`} path={`${path}/dateField`} value={value.dateField} onChange={(e) => set({ dateField: e.target.value })}>
                {options(dates, value.dateField)}
              </CellSelect>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`${id}-payee`}>
                {t('incentives.source.payeeField')}
              </label>
              <CellSelect id={`${id}-payee`} path={`${path}/payeeField`} value={value.payeeField ?? ''} onChange={(e) => set({ payeeField: e.target.value || undefined })}>
                <option value="">{t('incentives.source.owner')}</option>
                {options(
                  people.filter((f) => f.name !== 'owner_id'),
                  value.payeeField,
                )}
              </CellSelect>
            </div>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-filter`}>
              {t('incentives.source.filter')}
            </label>
            <FormulaEditor id={`${id}-filter`} value={value.filter ?? ''} onChange={(filter) => set({ filter })} objects={session.objects} root={value.object} expectedType="boolean" />
            <CellIssue path={`${path}/filter`} />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={`${id}-value`}>
              {t('incentives.source.value')}
            </label>
            <FormulaEditor id={`${id}-value`} value={value.value ?? ''} onChange={(v) => set({ value: v })} objects={session.objects} root={value.object} />
            <CellIssue path={`${path}/value`} />
          </div>
          <CellIssue path={path} />
        </>
      )}
    </div>
  );
}
