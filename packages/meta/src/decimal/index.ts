// The one owner of money and decimals (DESIGN §10): parse, bounds, scale, arithmetic, rounding,
// formatting and apportionment to the cent. Pure TypeScript, so the studio can use it too.
export { parseDecimal, isDecimalInput, requireDecimal, MAX_DIGITS, type DecimalValue } from './parse.ts';
export { divRound, exceedsScale, unitsAt, roundDecimal, ROUNDING_MODES, type RoundingMode } from './rounding.ts';
export { fromUnits, formatDecimal, compareDecimal } from './format.ts';
export { movePoint } from './shift.ts';
export { checkDecimal, type DecimalBounds, type DecimalCheck, type DecimalRule } from './check.ts';
export { apportion, apportionUnits, ApportionError, type ApportionProblem } from './apportion.ts';
export { currencyScale, DEFAULT_MONEY_SCALE } from './currency-scale.ts';
export { fieldDecimalBounds, recordCurrency } from './field.ts';
// Fixed-scale calculation arithmetic lives at '@attain/meta/decimal/fixed' (its names are short: dec, mul, …).
