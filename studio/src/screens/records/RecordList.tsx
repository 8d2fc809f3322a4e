import { RecordName } from '../../lib/record-name.tsx';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { api, download } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import type { ScreenProps } from '../../routes.ts';
import { Link, useRouter } from '../../lib/router.tsx';
import { allFieldInfos, listColumns, titleField, NUMERIC_STORAGES, type FieldInfo } from '../../lib/meta.ts';
import { cycleSort, loadViews, saveViews, toApiFilter, toApiSort, type FilterState, type SavedView, type SortKey } from '../../lib/filter.ts';
import { FieldValue } from '../../lib/format.tsx';
import { FilterBuilder } from '../../components/FilterBuilder.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PromptDialog } from '../../components/Dialog.tsx';

const PAGE_SIZES = [25, 50, 100];
const EMPTY_FILTER: FilterState = { combinator: 'and', conditions: [] };

export default function RecordList({ params }: ScreenProps) {
  const objectName = params.object ?? '';
  const { t, label } = useI18n();
  const session = useSession();
  const doc = session.object(objectName);
  const perm = session.permission(objectName);
  const hidden = useMemo(() => new Set(session.isAdmin ? [] : (perm?.hiddenFields ?? [])), [perm, session.isAdmin]);
  const fields = useMemo(() => (doc ? allFieldInfos(doc).filter((f) => !hidden.has(f.name)) : []), [doc, hidden]);
  const columns = useMemo(() => (doc ? listColumns(doc, hidden) : []), [doc, hidden]);
  const title = doc ? titleField(doc) : 'id';
  const viewScope = session.me?.tenant ?? session.me?.user.id ?? 'default';

  const [filter, setFilter] = useState<FilterState>(EMPTY_FILTER);
  const [applied, setApplied] = useState<FilterState>(EMPTY_FILTER);
  const [showFilters, setShowFilters] = useState(false);
  const [sort, setSort] = useState<SortKey[]>([]);
  const [q, setQ] = useState('');
  const [appliedQ, setAppliedQ] = useState('');
  const [limit, setLimit] = useState(25);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [result, setResult] = useState<ListResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [views, setViews] = useState<SavedView[]>(() => loadViews(viewScope, objectName));
  const [exportError, setExportError] = useState<unknown>(null);
  const [naming, setNaming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  // `?q=` (the global search's "more in the list") starts the list searched.
  const startQ = useRouter().search.get('q') ?? '';

  useEffect(() => {
    setFilter(EMPTY_FILTER);
    setApplied(EMPTY_FILTER);
    setSort([]);
    setQ(startQ);
    setAppliedQ(startQ);
    setCursors([undefined]);
    setViews(loadViews(viewScope, objectName));
    setNotice(null);
  }, [objectName, viewScope, startQ]);

  const apiFilter = useMemo(() => toApiFilter(applied, fields), [applied, fields]);
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    if (!doc) return;
    let live = true;
    setLoading(true);
    api
      .get<ListResponse>(`/objects/${objectName}`, {
        filter: apiFilter ? JSON.stringify(apiFilter) : undefined,
        sort: toApiSort(sort),
        limit,
        after: cursor,
        q: appliedQ || undefined,
        count: true,
      })
      .then(
        (res) => {
          if (!live) return;
          setResult(res);
          setError(null);
        },
        (err: unknown) => live && setError(err),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [doc, objectName, apiFilter, sort, limit, cursor, appliedQ]);

  if (!doc)
    return (
      <div className="empty-state">
        <h1>{t('errors.notFound')}</h1>
      </div>
    );

  const resetPaging = () => setCursors([undefined]);
  const applyFilter = () => {
    setApplied(filter);
    resetPaging();
  };
  const onSort = (field: string, add: boolean) => {
    setSort((s) => cycleSort(s, field, add));
    resetPaging();
  };
  const applyView = (name: string) => {
    const v = views.find((x) => x.name === name);
    if (!v) return;
    setFilter(v.filter);
    setApplied(v.filter);
    setSort(v.sort);
    setQ(v.q);
    setAppliedQ(v.q);
    setShowFilters(v.filter.conditions.length > 0);
    resetPaging();
  };
  const saveView = (name: string) => {
    const next = [...views.filter((v) => v.name !== name), { name, filter: applied, sort, q: appliedQ }];
    setViews(next);
    saveViews(viewScope, objectName, next);
    setNaming(false);
    setNotice(t('views.saved', { name }));
  };
  const exportCsv = async () => {
    setExportError(null);
    try {
      await download(`/objects/${objectName}/export`, { format: 'csv', filter: apiFilter ? JSON.stringify(apiFilter) : undefined, sort: toApiSort(sort) }, `${objectName}.csv`);
    } catch (err) {
      setExportError(err);
    }
  };
  // Arrow keys (and Home/End) move between rows, so a long list can be walked without tabbing
  // through every cell; Enter opens the focused row (it is a link).
  const onRowKey = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const moves: Record<string, (i: number, n: number) => number> = {
      ArrowDown: (i, n) => Math.min(n - 1, i + 1),
      ArrowUp: (i) => Math.max(0, i - 1),
      Home: () => 0,
      End: (_i, n) => n - 1,
    };
    const move = moves[e.key];
    if (!move) return;
    const links = [...(tableRef.current?.querySelectorAll<HTMLAnchorElement>('a.row-link') ?? [])];
    const i = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (i < 0) return;
    e.preventDefault();
    links[move(i, links.length)]?.focus();
  };

  const sortState = (f: FieldInfo) => sort.find((s) => s.field === f.name);
  const rows = result?.data ?? [];
  const plural = label(doc.pluralLabel ?? doc.label, objectName);
  const pageIndex = cursors.length - 1;
  const canCreate = session.can(objectName, 'create');

  return (
    <section aria-labelledby="list-title">
      <PageHeader
        title={<span id="list-title">{plural}</span>}
        actions={
          <>
            {session.can(objectName, 'export') && (
              <button type="button" className="btn" onClick={() => void exportCsv()}>
                <Icon name="download" size={16} /> {t('records.exportCsv')}
              </button>
            )}
            {canCreate && (
              <Link to={`/o/${objectName}/import`} className="btn">
                <Icon name="upload" size={16} /> {t('import.title')}
              </Link>
            )}
            {canCreate && (
              <Link to={`/o/${objectName}/new`} className="btn btn-primary">
                <Icon name="plus" size={16} /> {t('records.new')}
              </Link>
            )}
          </>
        }
      />
      <ErrorAlert error={exportError} />
      {notice && (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      )}
      <PromptDialog open={naming} title={t('views.saveTitle')} label={t('views.namePrompt')} submitLabel={t('common.save')} onSubmit={saveView} onClose={() => setNaming(false)} />
      <div className="card card-flush">
        <div className="toolbar">
          <form
            role="search"
            className="row spacer"
            onSubmit={(e) => {
              e.preventDefault();
              setAppliedQ(q);
              resetPaging();
            }}
          >
            <label className="visually-hidden" htmlFor="list-search">
              {t('records.search')}
            </label>
            <input id="list-search" type="search" value={q} placeholder={t('records.searchPlaceholder')} onChange={(e) => setQ(e.target.value)} />
          </form>
          <button type="button" className={showFilters ? 'btn btn-sm badge-accent' : 'btn btn-sm'} aria-expanded={showFilters} onClick={() => setShowFilters((s) => !s)}>
            <Icon name="filter" size={16} /> {t('filter.title')}
            {applied.conditions.length > 0 && <span className="badge badge-accent">{applied.conditions.length}</span>}
          </button>
          <label className="visually-hidden" htmlFor="saved-views">
            {t('views.title')}
          </label>
          <select id="saved-views" className="compact-select" value="" onChange={(e) => applyView(e.target.value)}>
            <option value="">{t('views.choose')}</option>
            {views.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
          <button type="button" className="btn btn-sm" onClick={() => setNaming(true)}>
            <Icon name="save" size={16} /> {t('views.save')}
          </button>
        </div>
        {showFilters && <FilterBuilder fields={fields} value={filter} onChange={setFilter} onApply={applyFilter} />}
        <ErrorAlert error={error} />
        <div className="table-wrap responsive">
          <table className="data" aria-labelledby="list-title" aria-busy={loading}>
            <thead>
              <tr>
                {columns.map((f) => {
                  const s = sortState(f);
                  return (
                    <th key={f.name} scope="col" className={NUMERIC_STORAGES.has(f.storage) ? 'num' : undefined} aria-sort={s ? (s.desc ? 'descending' : 'ascending') : 'none'}>
                      <button type="button" className="sort-btn" onClick={(e) => onSort(f.name, e.shiftKey)} title={t('records.sortHint')}>
                        {label(f.label, f.name)}
                        {s && <Icon name={s.desc ? 'sortDesc' : 'sortAsc'} size={14} />}
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody ref={tableRef} onKeyDown={onRowKey}>
              {rows.map((row) => (
                <tr key={row.id}>
                  {columns.map((f, i) => (
                    <td key={f.name} className={NUMERIC_STORAGES.has(f.storage) ? 'num' : undefined}>
                      {i === 0 ? (
                        <Link className="row-link" to={`/o/${objectName}/${row.id}`}>
                          {row[f.name] === null || row[f.name] === undefined || row[f.name] === '' ? t('records.untitled') : <FieldValue field={f} value={row[f.name]} record={row} plain />}
                        </Link>
                      ) : (
                        <FieldValue field={f} value={row[f.name]} record={row} />
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ul className="record-cards" aria-label={plural}>
          {rows.map((row) => (
            <li key={row.id}>
              <Link to={`/o/${objectName}/${row.id}`}>
                <div className="title">
                  <RecordName doc={doc} row={row} hidden={hidden} />
                </div>
                <div className="meta">
                  {columns.slice(1, 4).map((f) => (
                    <span key={f.name}>
                      {label(f.label, f.name)}: <FieldValue field={f} value={row[f.name]} record={row} plain />
                    </span>
                  ))}
                </div>
              </Link>
            </li>
          ))}
        </ul>
        {!loading && rows.length === 0 && !error && <div className="empty-state">{t('records.empty')}</div>}
        <div className="pager">
          <span className="muted" role="status">
            {result?.total !== undefined ? t('records.total', { count: result.total }) : ''} {t('records.page', { page: pageIndex + 1 })}
          </span>
          <span className="spacer" />
          <label className="row small">
            <span>{t('records.perPage')}</span>
            <select
              className="compact-select"
              value={limit}
              onChange={(e) => {
                setLimit(Number(e.target.value));
                resetPaging();
              }}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-sm" disabled={pageIndex === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('records.previous')}
          </button>
          <button type="button" className="btn btn-sm" disabled={!result?.page.next} onClick={() => result?.page.next && setCursors((c) => [...c, result.page.next ?? undefined])}>
            {t('records.next')}
          </button>
        </div>
      </div>
    </section>
  );
}
