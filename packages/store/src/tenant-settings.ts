// A tenant's money and calendar settings: the base currency every amount is converted to, the IANA
// time zone that decides which day (and so which month) a moment falls on, and the first month of
// its fiscal year. They live on the tenant row of the control schema; this file validates them.
import { StoreError, type ErrorDetail } from './errors.ts';

export interface TenantSettings {
  /** ISO 4217 code, e.g. `CNY`. */
  baseCurrency: string;
  /** IANA time zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** 1 = January. */
  fiscalYearStartMonth: number;
  /** When the tenant's first incentive calculation ran; the settings are fixed from then on. */
  calculatedAt: string | null;
}

export type TenantSettingsInput = Partial<Pick<TenantSettings, 'baseCurrency' | 'timeZone' | 'fiscalYearStartMonth'>>;

let currencies: Set<string> | undefined;

/** ISO 4217 codes the runtime knows (Intl), so a typo such as `RMB` or `usd` is refused. */
export function isCurrencyCode(v: unknown): v is string {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return typeof v === 'string' && /^[A-Z]{3}$/.test(v) && currencies.has(v);
}

/** The canonical IANA name of a time zone, or undefined when Intl does not know it. */
export function canonicalTimeZone(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(v)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
    // Intl answers `UTC` for `Etc/UTC` and the like; PostgreSQL knows both spellings.
    return resolved === 'Etc/UTC' || resolved === 'Etc/GMT' ? 'UTC' : resolved;
  } catch {
    return undefined;
  }
}

/** Defaults for new tenants: ATTAIN_BASE_CURRENCY, ATTAIN_TIME_ZONE, ATTAIN_FISCAL_YEAR_START_MONTH, else USD, UTC, January. */
export function defaultTenantSettings(env: NodeJS.ProcessEnv = process.env): Required<TenantSettingsInput> {
  const base = env.ATTAIN_BASE_CURRENCY;
  const tz = canonicalTimeZone(env.ATTAIN_TIME_ZONE);
  const month = Number(env.ATTAIN_FISCAL_YEAR_START_MONTH);
  return {
    baseCurrency: isCurrencyCode(base) ? base : 'USD',
    timeZone: tz ?? 'UTC',
    fiscalYearStartMonth: Number.isInteger(month) && month >= 1 && month <= 12 ? month : 1,
  };
}

/** Checks the given settings (unknown keys refused); throws 422 validation_failed naming each field. */
export function checkTenantSettings(input: unknown, base = ''): TenantSettingsInput {
  const details: ErrorDetail[] = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StoreError('validation_failed', 'the settings must be an object', [{ path: base || '/', rule: 'type', message: 'must be an object' }]);
  }
  const o = input as Record<string, unknown>;
  const out: TenantSettingsInput = {};
  for (const k of Object.keys(o)) {
    if (!['baseCurrency', 'timeZone', 'fiscalYearStartMonth'].includes(k))
      details.push({ path: `${base}/${k}`, rule: 'additional_property', message: 'is not a tenant setting (baseCurrency, timeZone, fiscalYearStartMonth)' });
  }
  if (o.baseCurrency !== undefined) {
    if (isCurrencyCode(o.baseCurrency)) out.baseCurrency = o.baseCurrency;
    else details.push({ path: `${base}/baseCurrency`, rule: 'iso4217', message: 'must be an ISO 4217 currency code in capitals, e.g. CNY or USD' });
  }
  if (o.timeZone !== undefined) {
    const tz = canonicalTimeZone(o.timeZone);
    if (tz) out.timeZone = tz;
    else details.push({ path: `${base}/timeZone`, rule: 'time_zone', message: 'must be an IANA time zone, e.g. Asia/Shanghai or UTC' });
  }
  if (o.fiscalYearStartMonth !== undefined) {
    const m = o.fiscalYearStartMonth;
    if (typeof m === 'number' && Number.isInteger(m) && m >= 1 && m <= 12) out.fiscalYearStartMonth = m;
    else details.push({ path: `${base}/fiscalYearStartMonth`, rule: 'range', message: 'must be a whole month number from 1 (January) to 12' });
  }
  if (details.length) throw new StoreError('validation_failed', `${details.length} tenant setting(s) are invalid`, details);
  return out;
}
