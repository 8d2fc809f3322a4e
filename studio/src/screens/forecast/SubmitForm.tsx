import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';

/** Commit and best case (and a note; required for an override), sent as decimal text. */
export function SubmitForm({
  label,
  busy,
  noteRequired,
  onSubmit,
}: {
  label: string;
  busy: boolean;
  noteRequired: boolean;
  onSubmit: (v: { commit: string; bestCase: string; note: string }) => Promise<boolean>;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState({ commit: '', bestCase: '', note: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await onSubmit({ commit: draft.commit.trim(), bestCase: draft.bestCase.trim(), note: draft.note.trim() })) setDraft({ commit: '', bestCase: '', note: '' });
  };
  return (
    <form className="row" aria-label={label} onSubmit={(e) => void submit(e)}>
      <label>
        {t('forecast.commit')} <input name="commit" required inputMode="decimal" size={12} value={draft.commit} onChange={(e) => setDraft({ ...draft, commit: e.target.value })} />
      </label>
      <label>
        {t('forecast.bestCase')} <input name="bestCase" required inputMode="decimal" size={12} value={draft.bestCase} onChange={(e) => setDraft({ ...draft, bestCase: e.target.value })} />
      </label>
      <label>
        {t('forecast.note')} <input name="note" required={noteRequired} maxLength={2000} size={30} value={draft.note} onChange={(e) => setDraft({ ...draft, note: e.target.value })} />
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {label}
      </button>
    </form>
  );
}
