// A tenant's base currency, time zone and fiscal year start: set at creation (or from the
// environment's defaults), validated, changed with an audit entry, and fixed once the first
// incentive calculation ran.
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalTimeZone, checkTenantSettings, defaultTenantSettings, isCurrencyCode, openTestStore, type Store } from '../src/index.ts';
import { err } from './fixtures.ts';

let store: Store;
let n = 0;
const name = () => `ts${process.pid}x${++n}`;
const admin = { userId: null, label: 'test' };

beforeAll(async () => {
  store = await openTestStore();
});

describe('tenant settings', () => {
  it('defaults come from the environment, else USD, UTC and January', () => {
    expect(defaultTenantSettings({})).toEqual({ baseCurrency: 'USD', timeZone: 'UTC', fiscalYearStartMonth: 1 });
    expect(defaultTenantSettings({ ATTAIN_BASE_CURRENCY: 'CNY', ATTAIN_TIME_ZONE: 'Asia/Shanghai', ATTAIN_FISCAL_YEAR_START_MONTH: '4' })).toEqual({
      baseCurrency: 'CNY',
      timeZone: 'Asia/Shanghai',
      fiscalYearStartMonth: 4,
    });
    // A bad environment value falls back instead of creating tenants with it.
    expect(defaultTenantSettings({ ATTAIN_BASE_CURRENCY: 'RMB', ATTAIN_TIME_ZONE: 'Nowhere/Land', ATTAIN_FISCAL_YEAR_START_MONTH: '13' })).toEqual({
      baseCurrency: 'USD',
      timeZone: 'UTC',
      fiscalYearStartMonth: 1,
    });
  });

  it('currencies are ISO 4217 codes and time zones IANA names', () => {
    expect(['CNY', 'USD', 'EUR', 'JPY'].every(isCurrencyCode)).toBe(true);
    expect(['RMB', 'usd', 'US', 'USDX', 7].some(isCurrencyCode)).toBe(false);
    expect(canonicalTimeZone('Asia/Shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('Etc/UTC')).toBe('UTC');
    expect(canonicalTimeZone("UTC'; drop table x; --")).toBeUndefined();
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(() => checkTenantSettings({ baseCurrency: 'CNY', color: 'red' })).toThrow(/invalid/);
  });

  it('are set at creation, refused when invalid (naming the field), and read back', async () => {
    const bad = await err(store.tenants.create(name(), { baseCurrency: 'RMB', timeZone: 'Mars/Olympus' }));
    expect(bad.code).toBe('validation_failed');
    expect(bad.details.map((d) => [d.path, d.rule])).toEqual([
      ['/baseCurrency', 'iso4217'],
      ['/timeZone', 'time_zone'],
    ]);
    const t = name();
    await store.tenants.create(t, { baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4 });
    expect(await store.tenants.settings(t)).toEqual({ baseCurrency: 'CNY', timeZone: 'Asia/Shanghai', fiscalYearStartMonth: 4, calculatedAt: null });
  });

  it('change with an audit entry until the first calculation, then are fixed', async () => {
    const t = name();
    await store.tenants.create(t);
    const changed = await store.tenants.updateSettings(t, { baseCurrency: 'EUR', fiscalYearStartMonth: 7 }, admin);
    expect(changed).toMatchObject({ baseCurrency: 'EUR', timeZone: 'UTC', fiscalYearStartMonth: 7 });
    expect(await store.tenants.settings(t)).toMatchObject({ baseCurrency: 'EUR', fiscalYearStartMonth: 7 });
    const [entry] = await store.audit.list(t, { limit: 1 });
    expect(entry).toMatchObject({ action: 'tenant.settings', before: { baseCurrency: 'USD', fiscalYearStartMonth: 1 }, after: { baseCurrency: 'EUR', fiscalYearStartMonth: 7 } });
    expect((await err(store.tenants.updateSettings(t, { fiscalYearStartMonth: 0 }, admin))).details).toEqual([expect.objectContaining({ path: '/fiscalYearStartMonth', rule: 'range' })]);
    await store.tenants.markCalculated(t);
    await store.tenants.markCalculated(t);
    expect((await store.tenants.settings(t)).calculatedAt).not.toBeNull();
    const locked = await err(store.tenants.updateSettings(t, { baseCurrency: 'USD' }, admin));
    expect([locked.code, locked.status]).toEqual(['base_currency_locked', 409]);
    expect((await err(store.tenants.updateSettings(t, { timeZone: 'Asia/Tokyo' }, admin))).code).toBe('calendar_locked');
    // Restating the current values is no change and is allowed.
    expect(await store.tenants.updateSettings(t, { baseCurrency: 'EUR' }, admin)).toMatchObject({ baseCurrency: 'EUR' });
    expect(await store.tenants.settings(t)).toMatchObject({ baseCurrency: 'EUR', fiscalYearStartMonth: 7 });
  });
});
