// @attain/engine: the SPM domain. Goals: KPIs, targets and their split, attainment and pacing.
export * from './goals/index.ts';
export * from './incentives/index.ts';
export * from './fx/index.ts';
export * from './calendar/index.ts';
