// @attain/engine: the SPM domain. Goals: KPIs, targets and their split, attainment and pacing.
export * from './goals/index.ts';
export * from './incentives/index.ts';
export * from './fx/index.ts';
export * from './calendar/index.ts';
export { dashboardPdf, type DashboardPdfInput, type PdfWidget } from './charts/dashboard-pdf.ts';
