// An exchange rate as entered: `1 from = rate to` from `effectiveFrom` on, until a later rate of the
// same pair. Rates are exact decimals (never floats) with at most RATE_SCALE decimals, the engine's.
import type { ErrorDetail } from '@attain/store';
import { isCurrencyCode } from '@attain/store';

export const RATE_SCALE = 10;
/** Up to 12 integer digits: no real rate is larger, and a typo of extra zeros is refused. */
const RATE = /^(\d{1,12})(?:\.(\d{1,10}))?$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export interface FxRateRow {
  id: string;
  from: string;
  to: string;
  /** Exact decimal text. */
  rate: string;
  effectiveFrom: string;
  createdBy: string | null;
  createdAt: string;
}

export interface FxRateInput {
  from: string;
  to: string;
  rate: string;
  effectiveFrom: string;
}

export function isCalendarDate(v: unknown): v is string {
  if (typeof v !== 'string' || !DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** The input's canonical form, or the problems naming each field (paths under `base`). */
export function checkRate(input: unknown, base = ''): { rate?: FxRateInput; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { details: [{ path: base || '/', rule: 'type', message: 'must be an object {from, to, rate, effectiveFrom}' }] };
  const o = input as Record<string, unknown>;
  const effective = o.effectiveFrom ?? o.effective_from;
  for (const k of Object.keys(o)) {
    if (!['from', 'to', 'rate', 'effectiveFrom', 'effective_from'].includes(k))
      details.push({ path: `${base}/${k}`, rule: 'additional_property', message: 'is not a field of a rate (from, to, rate, effectiveFrom)' });
  }
  const from = typeof o.from === 'string' ? o.from.trim() : o.from;
  const to = typeof o.to === 'string' ? o.to.trim() : o.to;
  if (!isCurrencyCode(from)) details.push({ path: `${base}/from`, rule: 'iso4217', message: 'must be an ISO 4217 currency code in capitals, e.g. USD' });
  if (!isCurrencyCode(to)) details.push({ path: `${base}/to`, rule: 'iso4217', message: 'must be an ISO 4217 currency code in capitals, e.g. CNY' });
  else if (to === from) details.push({ path: `${base}/to`, rule: 'distinct', message: 'must differ from the "from" currency' });
  // A number is refused: a float such as 7.1 may already be 7.0999999… by the time it arrives.
  const rateText = typeof o.rate === 'string' ? o.rate.trim() : undefined;
  const m = rateText === undefined ? null : RATE.exec(rateText);
  if (rateText === undefined) details.push({ path: `${base}/rate`, rule: 'type', message: 'must be a decimal string such as "7.1234"' });
  else if (!m) {
    const scale = /^\d+\.(\d+)$/.exec(rateText)?.[1]?.length;
    if (scale !== undefined && scale > RATE_SCALE) details.push({ path: `${base}/rate`, rule: 'scale', message: `must have at most ${RATE_SCALE} decimals (it is never rounded)` });
    else details.push({ path: `${base}/rate`, rule: 'decimal', message: 'must be a positive decimal such as "7.1234" with at most 12 integer digits' });
  } else if (!/[1-9]/.test(rateText)) details.push({ path: `${base}/rate`, rule: 'exclusive_minimum', message: 'must be greater than 0' });
  if (!isCalendarDate(effective)) details.push({ path: `${base}/effectiveFrom`, rule: 'format', message: 'must be a date (YYYY-MM-DD)' });
  if (details.length) return { details };
  return { rate: { from: from as string, to: to as string, rate: canonicalRate(rateText as string), effectiveFrom: effective as string }, details };
}

/** `007.50` → `7.5`: one spelling per value, so equal rates compare equal. */
function canonicalRate(text: string): string {
  const [i = '0', f = ''] = text.split('.');
  const int = i.replace(/^0+(?=\d)/, '');
  const frac = f.replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}
