import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { allFieldInfos } from '../../lib/meta.ts';
import type { Directory } from './directory.ts';
import { useText } from './text.ts';

export type Approver = { type: string; userId?: string; role?: string; levels?: number; levelsUp?: number; orgUnitId?: string; field?: string };

export const APPROVER_TYPES = ['manager', 'role', 'user', 'org_head', 'field', 'owner', 'submitter'] as const;

/**
 * One approver of a step, picked by name: its type in words, then a person, a role (by label),
 * an org unit (by name, or the submitter's own) with how many units up, a person field of the
 * flow's object, or how many levels up the submitter's manager line.
 */
export function ApproverEditor({ value, onChange, idPrefix, object, dir, name }: { value: Approver; onChange: (a: Approver) => void; idPrefix: string; object: string; dir: Directory; name: string }) {
  const x = useText();
  const { label } = useI18n();
  const session = useSession();
  const doc = object ? session.object(object) : undefined;
  const personFields = doc ? allFieldInfos(doc).filter((f) => f.ref === 'user') : [];
  const num = (v: string) => Math.max(0, Math.floor(Number(v) || 0));
  return (
    <span className="row wf-approver">
      <select
        aria-label={`${name} ${x('approverType')}`}
        id={`${idPrefix}-type`}
        value={value.type}
        onChange={(e) => onChange({ type: e.target.value, ...(e.target.value === 'manager' ? { levels: 1 } : {}) })}
      >
        {APPROVER_TYPES.map((t) => (
          <option key={t} value={t}>
            {x(`type_${t}`)}
          </option>
        ))}
      </select>
      {value.type === 'user' && (
        <select aria-label={`${name} ${x('person')}`} value={value.userId ?? ''} onChange={(e) => onChange({ ...value, userId: e.target.value || undefined })}>
          <option value="">{x('pickPerson')}</option>
          {value.userId && !dir.people.some((p) => p.id === value.userId) && <option value={value.userId}>{value.userId}</option>}
          {dir.people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.text}
            </option>
          ))}
        </select>
      )}
      {value.type === 'role' && (
        <select aria-label={`${name} ${x('role')}`} value={value.role ?? ''} onChange={(e) => onChange({ ...value, role: e.target.value || undefined })}>
          <option value="">{x('pickRole')}</option>
          {value.role && !dir.roles.some((r) => r.name === value.role) && <option value={value.role}>{value.role}</option>}
          {dir.roles.map((r) => (
            <option key={r.name} value={r.name}>
              {label(r.label, r.name)}
            </option>
          ))}
        </select>
      )}
      {value.type === 'org_head' && (
        <>
          <select aria-label={`${name} ${x('orgUnit')}`} value={value.orgUnitId ?? ''} onChange={(e) => onChange({ ...value, orgUnitId: e.target.value || undefined })}>
            <option value="">{x('ownUnit')}</option>
            {value.orgUnitId && !dir.units.some((u) => u.id === value.orgUnitId) && <option value={value.orgUnitId}>{value.orgUnitId}</option>}
            {dir.units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <label className="small">
            {x('unitsUp')}{' '}
            <input type="number" min={0} max={20} style={{ width: 64 }} value={value.levelsUp ?? 0} onChange={(e) => onChange({ ...value, levelsUp: num(e.target.value) || undefined })} />
          </label>
        </>
      )}
      {value.type === 'manager' && (
        <label className="small">
          {x('levels')} <input type="number" min={1} max={20} style={{ width: 64 }} value={value.levels ?? 1} onChange={(e) => onChange({ ...value, levels: Math.max(1, num(e.target.value)) })} />
        </label>
      )}
      {value.type === 'field' && (
        <select aria-label={`${name} ${x('userField')}`} value={value.field ?? ''} onChange={(e) => onChange({ ...value, field: e.target.value || undefined })}>
          <option value="">—</option>
          {value.field && !personFields.some((f) => f.name === value.field) && <option value={value.field}>{value.field}</option>}
          {personFields.map((f) => (
            <option key={f.name} value={f.name}>
              {label(f.label, f.name)}
            </option>
          ))}
        </select>
      )}
    </span>
  );
}
