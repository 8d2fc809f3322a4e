// The data health report as a PDF in English or Chinese, drawn by the dashboard PDF writer
// (pdfkit with Noto Sans SC, which covers both scripts): figures as KPIs and tables.
import { dashboardPdf, type PdfWidget } from '@attain/engine';
import type { HealthReport } from './report.ts';

export type ReportLocale = 'en' | 'zh-CN';

const TEXT = {
  en: {
    unavailable: {
      pglite: 'not available on PGlite: it keeps no table and index statistics',
      no_statements: 'pg_stat_statements is not installed',
      statements_unreadable: 'pg_stat_statements is installed but cannot be read',
    },
    title: 'Data health report',
    month: 'Month',
    generated: 'Generated',
    overall: 'Data-quality score',
    noRun: 'No data-quality scan ran this month.',
    checked: 'checked',
    failed: 'failing',
    trend: 'Score trend (runs this month)',
    byRule: 'Scores by rule',
    byObject: 'Scores by object',
    worst: 'Worst records',
    latency: 'API latency by route (ms)',
    noRequests: 'No requests were recorded this month.',
    errors: 'Import and integration errors',
    noErrors: 'No failures this month.',
    database: 'Largest tables and index use',
    unused: 'Unused indexes',
    missing: 'Tables read by sequential scans (missing index?)',
    slow: 'Slowest statements',
    none: 'none',
    cols: {
      rule: 'Rule',
      object: 'Object',
      checked: 'Checked',
      failed: 'Failing',
      score: 'Score',
      run: 'Run',
      issues: 'Issues',
      record: 'Record',
      rules: 'Rules',
      route: 'Route',
      count: 'Requests',
      errors: 'Errors (4xx/5xx)',
      failures: 'Failures',
      what: 'What failed',
      last: 'Last failure',
      table: 'Table',
      rows: 'Rows',
      seq: 'Seq scans',
      idx: 'Index scans',
      index: 'Index',
      size: 'Size (kB)',
      query: 'Statement',
      mean: 'Mean ms',
    },
  },
  'zh-CN': {
    title: '数据健康报告',
    unavailable: {
      pglite: '嵌入式数据库（PGlite）不保存表和索引的统计信息，无法提供',
      no_statements: '未安装 pg_stat_statements',
      statements_unreadable: '已安装 pg_stat_statements，但无法读取',
    },
    month: '月份',
    generated: '生成时间',
    overall: '数据质量得分',
    noRun: '本月没有运行数据质量扫描。',
    checked: '已检查',
    failed: '有问题',
    trend: '得分趋势（本月各次扫描）',
    byRule: '按规则的得分',
    byObject: '按对象的得分',
    worst: '问题最多的记录',
    latency: '各接口的响应时间（毫秒）',
    noRequests: '本月没有记录到请求。',
    errors: '导入与集成错误',
    noErrors: '本月没有失败。',
    database: '最大的表与索引使用',
    unused: '未使用的索引',
    missing: '主要靠顺序扫描读取的表（可能缺少索引）',
    slow: '最慢的语句',
    none: '无',
    cols: {
      rule: '规则',
      object: '对象',
      checked: '已检查',
      failed: '有问题',
      score: '得分',
      run: '扫描',
      issues: '问题数',
      record: '记录',
      rules: '规则',
      route: '接口',
      count: '请求数',
      errors: '错误（4xx/5xx）',
      failures: '失败次数',
      what: '失败项',
      last: '最近一次失败',
      table: '表',
      rows: '行数',
      seq: '顺序扫描',
      idx: '索引扫描',
      index: '索引',
      size: '大小 (kB)',
      query: '语句',
      mean: '平均毫秒',
    },
  },
} as const;

const pct = (s: number | null) => (s === null ? '—' : `${(s * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? '—' : v.toFixed(1));

export function reportTitle(locale: ReportLocale): string {
  return TEXT[locale].title;
}

export function reportPdf(report: HealthReport, locale: ReportLocale): Promise<Buffer> {
  const t = TEXT[locale];
  const c = t.cols;
  const w: PdfWidget[] = [];
  if (!report.scores) w.push({ title: t.overall, kind: 'note', text: t.noRun });
  else {
    const o = report.scores.overall;
    w.push({ title: t.overall, kind: 'kpi', value: pct(o.score), note: `${o.checked} ${t.checked}, ${o.failed} ${t.failed}` });
    w.push({
      title: t.trend,
      kind: 'table',
      head: [c.run, c.checked, c.failed, c.issues, c.score],
      rows: report.trend.map((r) => [r.startedAt.slice(0, 16).replace('T', ' '), String(r.checked), String(r.failed), String(r.issues), pct(r.score)]),
      numericFrom: 1,
    });
    // Scores by rule and by object: one table shape, keyed by the rule's or the object's name.
    const scoreTable = (title: string, keyHead: string, scores: typeof report.scores.byRule) =>
      w.push({ title, kind: 'table', head: [keyHead, c.checked, c.failed, c.score], rows: scores.map((s) => [s.key ?? '—', String(s.checked), String(s.failed), pct(s.score)]), numericFrom: 1 });
    scoreTable(t.byRule, c.rule, report.scores.byRule);
    scoreTable(t.byObject, c.object, report.scores.byObject);
    w.push({
      title: t.worst,
      kind: 'table',
      head: [c.record, c.object, c.rules, c.issues],
      rows: report.worstRecords.map((r) => [r.title ?? r.recordId, r.object, r.rules.join(', '), String(r.issues)]),
      numericFrom: 3,
    });
  }
  // One table per error source, so a source added later appears without touching this file.
  for (const section of report.errors) {
    const title = `${t.errors}: ${section.label[locale] ?? section.label.en}`;
    w.push(
      section.entries.length
        ? {
            title,
            kind: 'table',
            head: [c.what, c.failures, c.last],
            rows: section.entries.slice(0, 25).map((e) => [e.key, String(e.count), `${e.lastAt.slice(0, 16).replace('T', ' ')} ${e.lastError?.slice(0, 80) ?? ''}`]),
            numericFrom: 1,
          }
        : { title, kind: 'note', text: t.noErrors },
    );
  }
  w.push(
    report.latency.length
      ? {
          title: t.latency,
          kind: 'table',
          head: [c.route, c.count, c.errors, 'p50', 'p95', 'p99'],
          rows: report.latency.slice(0, 25).map((l) => [`${l.method} ${l.route}`, String(l.count), `${l.errors4xx}/${l.errors5xx}`, ms(l.p50), ms(l.p95), ms(l.p99)]),
          numericFrom: 1,
        }
      : { title: t.latency, kind: 'note', text: t.noRequests },
  );
  const db = report.database;
  if (!db.available) w.push({ title: t.database, kind: 'note', text: t.unavailable[db.code] });
  else {
    w.push({
      title: t.database,
      kind: 'table',
      head: [c.table, c.rows, c.size, c.seq, c.idx],
      rows: db.largestTables.map((r) => [r.table, String(r.rows), String(Math.round(r.bytes / 1024)), String(r.seqScans), String(r.indexScans)]),
      numericFrom: 1,
    });
    w.push(
      db.unusedIndexes.length
        ? { title: t.unused, kind: 'table', head: [c.index, c.table, c.size], rows: db.unusedIndexes.map((r) => [r.index, r.table, String(Math.round(r.bytes / 1024))]), numericFrom: 2 }
        : { title: t.unused, kind: 'note', text: t.none },
    );
    w.push(
      db.missingIndexes.length
        ? {
            title: t.missing,
            kind: 'table',
            head: [c.table, c.rows, c.seq, c.idx],
            rows: db.missingIndexes.map((r) => [r.table, String(r.rows), String(r.seqScans), String(r.indexScans)]),
            numericFrom: 1,
          }
        : { title: t.missing, kind: 'note', text: t.none },
    );
    const slow = db.slowQueries;
    w.push(
      Array.isArray(slow)
        ? { title: t.slow, kind: 'table', head: [c.query, c.mean], rows: slow.map((s) => [s.query.slice(0, 120), s.meanMs.toFixed(1)]), numericFrom: 1 }
        : { title: t.slow, kind: 'note', text: t.unavailable[slow.code] },
    );
  }
  return dashboardPdf({
    title: `${t.title} ${report.month}`,
    lines: [`${t.month}: ${report.month}`, `${t.generated}: ${report.generatedAt.slice(0, 16).replace('T', ' ')} UTC`],
    widgets: w,
    now: new Date(report.generatedAt),
  });
}
