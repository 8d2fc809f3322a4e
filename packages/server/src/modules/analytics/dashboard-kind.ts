import type { MetaKindDefinition, Registry } from '@attain/meta';
import { questionIssues, type QuestionIssue, type ReportDoc } from './kind.ts';
import { dashboardSchema, GRID_COLUMNS, type DashboardDoc } from './dashboard-schema.ts';

/** What a dashboard refers to that the registry cannot satisfy, and what its parts ask of each other. */
export function dashboardIssues(registry: Registry, doc: DashboardDoc): QuestionIssue[] {
  const issues: QuestionIssue[] = [];
  const reports = new Set((registry.documentsOfKind('analytics.report') as ReportDoc[]).map((r) => r.name));
  const ids = new Set<string>();
  doc.widgets.forEach((w, i) => {
    const at = `/widgets/${i}`;
    if (ids.has(w.id)) issues.push({ path: `${at}/id`, rule: 'unique', message: `a widget with id "${w.id}" comes earlier` });
    ids.add(w.id);
    if (w.report !== undefined && !reports.has(w.report)) issues.push({ path: `${at}/report`, rule: 'unknown_reference', message: `refers to report "${w.report}", which does not exist` });
    if (w.question) for (const issue of questionIssues(registry, w.question)) issues.push({ ...issue, path: `${at}/question${issue.path}` });
    const seriesIds = new Set([w.id]);
    (w.series ?? []).forEach((s, j) => {
      if (seriesIds.has(s.id)) issues.push({ path: `${at}/series/${j}/id`, rule: 'unique', message: `the widget or a series with id "${s.id}" comes earlier` });
      seriesIds.add(s.id);
      for (const issue of questionIssues(registry, s.question)) issues.push({ ...issue, path: `${at}/series/${j}/question${issue.path}` });
    });
    if (w.layout.x + w.layout.w > GRID_COLUMNS) issues.push({ path: `${at}/layout`, rule: 'grid', message: `x + w must stay within the ${GRID_COLUMNS} columns` });
  });
  const names = new Set<string>();
  (doc.filters ?? []).forEach((f, i) => {
    if (names.has(f.name)) issues.push({ path: `/filters/${i}/name`, rule: 'unique', message: `a filter named "${f.name}" comes earlier` });
    names.add(f.name);
    if (f.type === 'field' && !f.field) issues.push({ path: `/filters/${i}/field`, rule: 'required', message: 'a field filter names the field it sets' });
  });
  for (const key of ['sharedWith', 'defaultFor'] as const) {
    (doc[key] ?? []).forEach((role, i) => {
      if (!registry.role(role)) issues.push({ path: `/${key}/${i}`, rule: 'unknown_reference', message: `refers to role "${role}", which does not exist` });
    });
  }
  return issues;
}

/** `analytics.dashboard`: report widgets on a grid, run together by `POST /api/v1/analytics/dashboards/:name/run`. */
export const dashboardKind: MetaKindDefinition = {
  kind: 'analytics.dashboard',
  schema: dashboardSchema,
  crossCheck(registry, issues) {
    const docs = registry.documentsOfKind('analytics.dashboard') as DashboardDoc[];
    for (const doc of docs) for (const issue of dashboardIssues(registry, doc)) issues.push({ document: `analytics.dashboard "${doc.name}"`, ...issue });
    // Several dashboards may claim a role's Home (two templates installed in one tenant each bring
    // one): the first in the tenant's metadata opens, and the admin chooses by editing defaultFor.
  },
};
