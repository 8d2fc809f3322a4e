import { useMemo, useState } from 'react';
import Form from '@rjsf/core';
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
import { forgetRef } from '../../lib/refs.ts';

const SYSTEM = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'version', 'deleted_at']);

/** Create and edit forms for any object, rendered from the server's `/form` definition. */
export default function RecordEdit({ params }: ScreenProps) {
  const objectName = params.object ?? '';
  const id = params.id;
  const { t, label, locale } = useI18n();
  const session = useSession();
  const { navigate } = useRouter();
  const doc = session.object(objectName);

  const form = useAsync(() => api.get<FormDefinition>(`/metadata/objects/${objectName}/form`, { locale }), [objectName, locale]);
  const record = useAsync(() => (id ? api.get<RecordRow>(`/objects/${objectName}/${id}`) : Promise.resolve(undefined)), [objectName, id]);
  const [formData, setFormData] = useState<Record<string, unknown> | null>(null);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const validator = useMemo(() => createValidator((issue) => t(`validation.${issue.rule}`, issue.params)), [t]);
  const uiSchema = useMemo<UiSchema>(() => {
    const ui = { ...(form.data?.uiSchema ?? {}) } as UiSchema;
    ui['ui:submitButtonOptions'] = { norender: true };
    delete ui['ui:title'];
    ui['ui:classNames'] = 'form-grid';
    return ui;
  }, [form.data]);
  const schema = useMemo(() => {
    if (!form.data) return undefined;
    const s = { ...form.data.schema };
    delete s.title;
    delete s.description;
    return s as RJSFSchema;
  }, [form.data]);
  const properties = (form.data?.schema.properties ?? {}) as Record<string, { readOnly?: boolean }>;
  const fieldNames = useMemo(() => new Set(Object.keys(properties)), [properties]);
  const writableNames = useMemo(() => new Set(Object.keys(properties).filter((k) => !properties[k]?.readOnly)), [properties]);

  const initial = useMemo(() => (record.data ? stripNulls(record.data) : {}), [record.data]);
  const data = formData ?? initial;

  if (!doc) return <div className="empty-state"><h1>{t('errors.notFound')}</h1></div>;
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
      navigate(`/o/${objectName}/${saved.id ?? id}`);
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

  const crumbs = [{ to: `/o/${objectName}`, text: label(doc.pluralLabel ?? doc.label, objectName) }];
  return (
    <section>
      <PageHeader title={title} crumbs={crumbs} />
      <div className="card rjsf">
        <ErrorAlert error={form.error ?? record.error} />
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
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={saving}>
                {saving ? t('common.saving') : t('common.save')}
              </button>
              <button type="button" className="btn" onClick={() => navigate(id ? `/o/${objectName}/${id}` : `/o/${objectName}`)}>
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
