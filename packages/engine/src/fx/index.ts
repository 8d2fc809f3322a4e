export { FX_MODULE, FX_TABLE } from './schema.ts';
export { FxError } from './errors.ts';
export { FxRateService, type FxChange } from './service.ts';
export { RATE_SCALE, checkRate, isCalendarDate, type FxRateInput, type FxRateRow } from './rates.ts';
export { parseRatesCsv, parseRatesXlsx, type ImportRow } from './import-file.ts';
export { firstBaseRateSql, fxTable, hasBaseRateSql, toBaseRateSql, type CurrencyExpr } from './sql.ts';
