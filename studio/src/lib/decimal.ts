// Decimal text in the studio goes through the platform's one decimal module (@attain/meta/decimal,
// pure TypeScript and BigInt, bundled by Vite): parsing, scale, exact sums and rounding. These are
// the few shapes the screens need; no float ever holds an amount.
import { currencyScale, formatDecimal, movePoint, parseDecimal, unitsAt, type DecimalValue } from '@attain/meta/decimal';

/** What a user may be halfway through typing ("12.", ".5") read as the decimal it will be. */
function lenient(value: string): DecimalValue | undefined {
  return parseDecimal(
    value
      .trim()
      .replace(/\.$/, '')
      .replace(/^([+-]?)\./, '$10.'),
  );
}

/**
 * Moves the decimal point of a decimal string by `places` (positive = multiply by 10^places):
 * a percentage edited as 25 is stored as 0.25. Text that is no decimal is returned unchanged.
 */
export function shiftDecimal(value: string, places: number): string {
  const d = lenient(value);
  return d ? formatDecimal(movePoint(d, places)) : value;
}

/** The exact sum of decimal values (strings or numbers as the API sends them); unparsable ones count as nothing. */
export function sumDecimals(values: Iterable<string | number | null | undefined>): string {
  let scale = 0;
  const parsed: DecimalValue[] = [];
  for (const v of values) {
    const d = v === null || v === undefined ? undefined : parseDecimal(v);
    if (d) {
      parsed.push(d);
      scale = Math.max(scale, d.scale);
    }
  }
  let total = 0n;
  for (const d of parsed) total += unitsAt(d, scale);
  return formatDecimal({ units: total, scale });
}

/** Decimals an amount in `currency` shows: its minor unit (JPY 0, USD 2, KWD 3); 2 without one. */
export function moneyDecimals(currency: string | null | undefined): number {
  return currencyScale(currency);
}

/**
 * A money value as the exact text to show at its currency's decimals, rounded half up (the
 * platform's rounding); undefined when it is no decimal. Formatting for the locale is then done
 * on this text, never on a float.
 */
export function moneyText(value: string | number, currency: string | null | undefined): string | undefined {
  const d = parseDecimal(value);
  return d ? formatDecimal(d, moneyDecimals(currency)) : undefined;
}

/** The currency a record states for a money field: its fixed one, else the record's currency field. */
export function statedCurrency(field: { currency?: string; currencyField?: string }, record: Record<string, unknown> | undefined): string | undefined {
  if (field.currency) return field.currency;
  const v = field.currencyField ? record?.[field.currencyField] : undefined;
  return typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? v : undefined;
}
