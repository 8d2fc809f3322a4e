import { useMemo, useState } from 'react';
import ReactGridLayout, { useContainerWidth, type Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useAsync } from '../../lib/useAsync.ts';
import { useRouter } from '../../lib/router.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import type { ReportResult, WidgetAnswer } from './api.ts';
import { bodyOf, designOf, newWidget, type Design, type DesignWidget } from './designer-model.ts';
import { Widget } from './Widget.tsx';
import { WidgetEditor } from './WidgetEditor.tsx';

const ROW_HEIGHT = 80;

/** A widget as it will look: its question run now through `POST /analytics/query`, in the designer's own scope. */
function Preview({ widget }: { widget: DesignWidget }) {
  const key = JSON.stringify(widget.question);
  const run = useAsync(() => api.post<{ data: ReportResult }>('/analytics/query', { report: widget.question }).then((r) => r.data), [key]);
  const answer: WidgetAnswer = {
    id: widget.id,
    title: widget.title,
    chart: widget.chart,
    target: widget.target ?? null,
    layout: widget.layout,
    object: widget.question.object,
    applied: [],
    question: widget.question as unknown as Record<string, unknown>,
    result: run.data ?? null,
    error: null,
  };
  return run.error ? <ErrorAlert error={run.error} /> : <Widget widget={answer} />;
}

/**
 * The dashboard designer: widgets on a 12-column grid dragged by their title and resized by their
 * corner, each with a live preview; a widget's object, grouping, measure, period and chart picked
 * from lists; share with the team; dashboard filters by period and owner. No JSON anywhere.
 */
export default function Designer({ params }: ScreenProps) {
  const { t } = useI18n();
  const session = useSession();
  const { navigate } = useRouter();
  const editing = params.name;
  const [design, setDesign] = useState<Design | null>(editing ? null : { label: { en: '' }, team: false, periodFilter: false, ownerFilter: false, widgets: [] });
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { width, containerRef, mounted } = useContainerWidth();
  useAsync(async () => {
    if (!editing) return null;
    const r = await api.get<{ data: Record<string, unknown>; meta?: { team?: boolean; version?: number | null } }>(`/analytics/dashboards/${encodeURIComponent(editing)}`);
    setDesign(designOf(r.data, r.meta));
    return null;
  }, [editing]);
  const firstObject = session.objects.find((o) => session.can(o.name, 'read'))?.name ?? 'user';
  const layout = useMemo<Layout>(() => (design?.widgets ?? []).map((w) => ({ i: w.id, ...w.layout, minW: 2, minH: 2 })), [design?.widgets]);
  if (!design) return <p className="muted">{t('common.loading')}</p>;

  const update = (patch: Partial<Design>) => setDesign({ ...design, ...patch });
  const setWidget = (w: DesignWidget) => update({ widgets: design.widgets.map((x) => (x.id === w.id ? w : x)) });
  const add = () => {
    const w = newWidget(design.widgets, firstObject, t('dashboards.newWidgetTitle'));
    update({ widgets: [...design.widgets, w] });
    setSelected(w.id);
  };
  const onLayout = (next: Layout) => {
    const at = new Map(next.map((l) => [l.i, l]));
    const widgets = design.widgets.map((w) => {
      const l = at.get(w.id);
      return l ? { ...w, layout: { x: l.x, y: l.y, w: l.w, h: l.h } } : w;
    });
    if (JSON.stringify(widgets) !== JSON.stringify(design.widgets)) update({ widgets });
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = bodyOf(design);
      const r = editing
        ? await api.put<{ data: { name: string } }>(`/analytics/dashboards/${encodeURIComponent(editing)}`, body)
        : await api.post<{ data: { name: string } }>('/analytics/dashboards', body);
      navigate(`/dashboards/${r.data.name}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const current = design.widgets.find((w) => w.id === selected);

  return (
    <section className="dashboard-designer">
      <PageHeader
        title={editing ? t('dashboards.editTitle') : t('dashboards.newTitle')}
        actions={
          <button type="button" className="btn btn-primary" disabled={busy || !design.label.en.trim() || design.widgets.length === 0} onClick={() => void save()}>
            {t('dashboards.save')}
          </button>
        }
      />
      <div className="dashboard-designer-settings">
        <div className="field">
          <label htmlFor="dashboard-label">{t('dashboards.name')}</label>
          <input id="dashboard-label" value={design.label.en} onChange={(e) => update({ label: { ...design.label, en: e.target.value } })} />
        </div>
        <label>
          <input type="checkbox" checked={design.team} onChange={(e) => update({ team: e.target.checked })} /> {t('dashboards.shareTeam')}
        </label>
        <label>
          <input type="checkbox" checked={design.periodFilter} onChange={(e) => update({ periodFilter: e.target.checked })} /> {t('dashboards.periodFilter')}
        </label>
        <label>
          <input type="checkbox" checked={design.ownerFilter} onChange={(e) => update({ ownerFilter: e.target.checked })} /> {t('dashboards.ownerFilter')}
        </label>
        <button type="button" className="btn" onClick={add} data-opens-form>
          {t('dashboards.addWidget')}
        </button>
      </div>
      <ErrorAlert error={error} />
      <div className="dashboard-designer-body">
        <div ref={containerRef} className="dashboard-designer-grid" data-testid="designer-grid">
          {mounted && (
            <ReactGridLayout layout={layout} width={width} gridConfig={{ cols: 12, rowHeight: ROW_HEIGHT }} dragConfig={{ handle: '.widget-handle' }} onLayoutChange={onLayout}>
              {design.widgets.map((w) => (
                <div key={w.id} className={`designer-item${w.id === selected ? ' selected' : ''}`} data-testid={`designer-${w.id}`}>
                  <div className="widget-bar">
                    {/* The grip drags (the grid ignores drags that start on buttons); the title selects. */}
                    <span className="widget-handle" title={t('dashboards.dragWidget')} aria-hidden="true">
                      ⠿
                    </span>
                    <button type="button" className="widget-select" aria-label={t('dashboards.selectWidget', { title: w.title.en })} onClick={() => setSelected(w.id)}>
                      {w.title.en}
                    </button>
                  </div>
                  <Preview widget={w} />
                </div>
              ))}
            </ReactGridLayout>
          )}
        </div>
        {current && <WidgetEditor widget={current} onChange={setWidget} onRemove={() => (update({ widgets: design.widgets.filter((w) => w.id !== current.id) }), setSelected(null))} />}
      </div>
    </section>
  );
}
