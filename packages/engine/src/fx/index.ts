export { FX_MODULE, FX_TABLE } from './schema.ts';
export { FxError } from './errors.ts';
export { FxRateService, type FxChange } from './service.ts';
export { RATE_SCALE, checkRate, isCalendarDate, type FxRateInput, type FxRateRow } from './rates.ts';
export { parseRatesCsv, parseRatesXlsx, type ImportRow } from './import-file.ts';
export { crossRateSql, firstBaseRateSql, fxTable, hasBaseRateSql, ruleRateSql, toBaseRateSql, type CurrencyExpr } from './sql.ts';
export { crossRateAt, daysOf, pairRateAt, ruleRateAt, type FxRule } from './resolve.ts';
