import { useEffect, useMemo, useState } from 'react';
// The package root also re-exports a test helper that imports a validator we do not ship.
import Form from '@rjsf/core/lib/components/Form.js';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { api, ApiError } from '../../api/client.ts';
import type { FormDefinition, RecordRow } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { useRouter } from '../../lib/router.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { createValidator } from '../../validation/rjsf-validator.ts';
import { detailsToErrorSchema } from '../../lib/errors.ts';
import { STUDIO_WIDGETS } from '../../components/widgets.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { forgetRef, useRefTitle } from '../../lib/refs.ts';
import { titleField } from '../../lib/meta.ts';
import { prefillFromQuery, type Prefill } from './prefill.ts';
import { useTouchedErrors } from './touched-errors.ts';

const SYSTEM = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'version', 'deleted_at']);

/** Create and edit forms for any object, rendered from the server's `/form` definition. */
export default function RecordEdit({ params }: ScreenProps) {
  const objectName = params.object ?? '';
  const id = params.id;
  const { t, label, locale } = useI18n();
  const session = useSession();
  const { navigate, search } = useRouter();
  const doc = session.object(objectName);
  const query = search.toString();
  // Opened from a parent record: its reference is set and shown read-only; saving returns there.
  const prefill = useMemo<Prefill>(() => (doc && !id ? prefillFromQuery(doc, new URLSearchParams(query)) : { values: {}, rejected: [] }), [doc, id, query]);
  const parent = prefill.parent;
  const parentDoc = parent ? session.object(parent.object) : undefined;
  const parentTitle = useRefTitle(parentDoc ? parent?.object : undefined, parent?.id, parentDoc ? titleField(parentDoc) : 'id');
  const parentPath = parent ? `/o/${parent.object}/${parent.id}` : undefined;

  const form = useAsync(() => api.get<FormDefinition>(`/metadata/objects/${objectName}/form`, { locale }), [objectName, locale]);
  const record = useAsync(() => (id ? api.get<RecordRow>(`/objects/${objectName}/${id}`) : Promise.resolve(undefined)), [objectName, id]);
  const [formData, setFormData] = useState<Record<string, unknown> | null>(null);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  // Another parent in the query string (same screen, new address) starts a new form.
  useEffect(() => setFormData(null), [query]);

  const feedback = useTouchedErrors('root');
  const validator = useMemo(() => createValidator((issue) => t(`validation.${issue.rule}`, issue.params)), [t]);
  const properties = (form.data?.schema.properties ?? {}) as Record<string, { readOnly?: boolean }>;
  const fieldNames = useMemo(() => new Set(Object.keys(properties)), [properties]);
  const writableNames = useMemo(() => new Set(Object.keys(properties).filter((k) => !properties[k]?.readOnly)), [properties]);
  const prefilled = useMemo(() => Object.fromEntries(Object.entries(prefill.values).filter(([k]) => writableNames.has(k))), [prefill, writableNames]);
  const uiSchema = useMemo<UiSchema>(() => {
    const ui = { ...(form.data?.uiSchema ?? {}) } as UiSchema;
    ui['ui:submitButtonOptions'] = { norender: true };
    delete ui['ui:title'];
    ui['ui:classNames'] = 'form-grid';
    for (const name of Object.keys(prefilled)) ui[name] = { ...(ui[name] as UiSchema | undefined), 'ui:readonly': true, 'ui:help': t('records.prefilledHelp') };
    return ui;
  }, [form.data, prefilled, t]);
  const schema = useMemo(() => {
    if (!form.data) return undefined;
    const s = { ...form.data.schema };
    delete s.title;
    delete s.description;
    return s as RJSFSchema;
  }, [form.data]);

  const initial = useMemo<Record<string, unknown>>(() => (record.data ? stripNulls(record.data) : { ...prefilled }), [record.data, prefilled]);
  const data = formData ?? initial;

  if (!doc)
    return (
      <div className="empty-state">
        <h1>{t('errors.notFound')}</h1>
      </div>
    );
  const objectLabel = label(doc.label, objectName);
  const title = id ? t('records.editTitle', { object: objectLabel }) : t('records.newTitle', { object: objectLabel });

  const submit = async (values: Record<string, unknown>) => {
    setSaving(true);
    setFailure(null);
    setExtraErrors(undefined);
    try {
      const body = writable(values, writableNames);
      let saved: RecordRow;
      if (id) {
        const changed = Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(initial[k])));
        for (const k of Object.keys(initial)) if (!SYSTEM.has(k) && writableNames.has(k) && !(k in body) && initial[k] !== undefined) changed[k] = null;
        saved = await api.patch<RecordRow>(`/objects/${objectName}/${id}`, changed, typeof record.data?.version === 'number' ? record.data.version : undefined);
        forgetRef(objectName, id);
      } else {
        saved = await api.post<RecordRow>(`/objects/${objectName}`, body);
      }
      navigate(!id && parentPath ? parentPath : `/o/${objectName}/${saved.id ?? id}`);
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        const mapped = detailsToErrorSchema(err.details, fieldNames);
        setExtraErrors(Object.keys(mapped.errorSchema).length ? mapped.errorSchema : undefined);
        setFailure(mapped.general.length || !Object.keys(mapped.errorSchema).length ? err : null);
        if (Object.keys(mapped.errorSchema).length) {
          const first = Object.keys(mapped.errorSchema)[0];
          requestAnimationFrame(() => document.getElementById(`root_${first}`)?.focus());
        }
      } else setFailure(err);
    } finally {
      setSaving(false);
    }
  };

  const crumbs =
    parent && parentPath && parentDoc
      ? [
          { to: `/o/${parent.object}`, text: label(parentDoc.pluralLabel ?? parentDoc.label, parent.object) },
          { to: parentPath, text: parentTitle ?? t('records.untitled') },
        ]
      : [{ to: `/o/${objectName}`, text: label(doc.pluralLabel ?? doc.label, objectName) }];
  const rejected = prefill.rejected.filter((k) => writableNames.has(k));
  return (
    <section>
      <PageHeader title={title} crumbs={crumbs} />
      <div className="card rjsf" onSubmitCapture={feedback.onSubmitCapture}>
        <ErrorAlert error={form.error ?? record.error} />
        {rejected.length > 0 && (
          <div className="alert alert-warn" role="status" data-testid="prefill-ignored">
            {t('records.prefillIgnored', { fields: rejected.map((k) => label(doc.schema.properties[k]?.['x-attain'].label, k)).join(', ') })}
          </div>
        )}
        {extraErrors && (
          <div className="alert alert-error" role="alert">
            {t('records.fixErrors')}
          </div>
        )}
        <ErrorAlert error={failure} />
        {schema && (!id || record.data) && (
          <Form
            schema={schema}
            uiSchema={uiSchema}
            formData={data}
            validator={validator}
            widgets={STUDIO_WIDGETS}
            extraErrors={extraErrors}
            showErrorList={false}
            liveValidate="onBlur"
            noHtml5Validate
            focusOnFirstError
            transformErrors={feedback.transformErrors}
            onBlur={feedback.onBlur}
            // Findings are shown on their fields; without a handler rjsf also logs them as a console error.
            onError={() => undefined}
            idPrefix="root"
            onChange={(e) => {
              setFormData(e.formData as Record<string, unknown>);
              if (extraErrors && e.formData) {
                // A server error belongs to the value it judged; drop it once that value changes.
                const next = { ...(extraErrors as Record<string, unknown>) };
                for (const k of Object.keys(next)) if (JSON.stringify((e.formData as Record<string, unknown>)[k]) !== JSON.stringify(data[k])) delete next[k];
                setExtraErrors(Object.keys(next).length ? (next as ErrorSchema) : undefined);
              }
            }}
            onSubmit={(e) => void submit((e.formData ?? {}) as Record<string, unknown>)}
          >
            {/* Pressing a button must not blur the field being typed in: the blur re-checks the form,
                an error under that field appears or goes, the buttons move and the click is lost. */}
            <div className="form-actions" onMouseDown={(e) => e.preventDefault()}>
              <button type="submit" className="btn btn-primary" disabled={saving}>
                {saving ? t('common.saving') : t('common.save')}
              </button>
              <button type="button" className="btn" onClick={() => navigate(id ? `/o/${objectName}/${id}` : (parentPath ?? `/o/${objectName}`))}>
                {t('common.cancel')}
              </button>
            </div>
          </Form>
        )}
      </div>
    </section>
  );
}

function stripNulls(row: RecordRow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
}

/** Only what a client may write: no platform fields, no empty values. */
function writable(values: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (SYSTEM.has(k) || !fields.has(k) || v === undefined || v === '') continue;
    out[k] = v;
  }
  return out;
}
