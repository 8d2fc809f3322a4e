// The rates the incentive engine kept in its own table (units of its then hard-coded base, USD, per
// unit of a currency) move to the one rates table on first use, and the engine's table is gone:
// one owner. Conversions after the move read the same rates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type Store } from '@attain/store';
import { quoteIdent } from '@attain/meta';
import { FX_MODULE, FxRateService } from '../src/fx/index.ts';
import { INCENTIVES_MODULE } from '../src/incentives/db/schema.ts';
import { IncentiveEngine } from '../src/incentives/index.ts';

let store: Store;
const T = `fxmig${process.pid}`;

beforeAll(async () => {
  store = await openTestStore();
  await store.tenants.create(T);
});
afterAll(async () => {
  await store.close();
});

describe('moving the engine rates to the rates table', () => {
  it('copies them as pairs to USD, drops the old table, and the engine converts with them', async () => {
    // A tenant from before: the engine's tables at version 5 with its own rates.
    const old = { ...INCENTIVES_MODULE, migrations: INCENTIVES_MODULE.migrations.filter((m) => m.version <= 5) };
    const h = await store.modules.ensure(T, old);
    const fxOld = `${quoteIdent(h.schema)}."attain_incentives_fx"`;
    await h.knex.raw(`insert into ${fxOld} (currency, date, rate) values ('EUR', '2026-01-01', 1.1), ('CNY', '2026-01-01', 0.14)`);
    const engine = new IncentiveEngine(store, T);
    await engine.ensure();
    const exists = async (t: string) => ((await h.knex.raw(`select to_regclass(?) as t`, [`${h.schema}.${t}`])).rows as Array<{ t: unknown }>)[0]?.t !== null;
    expect(await exists('attain_incentives_fx')).toBe(false);
    const rates = await new FxRateService(store, T).list();
    expect(rates.map((r) => [r.from, r.to, r.rate, r.effectiveFrom])).toEqual([
      ['CNY', 'USD', '0.14', '2026-01-01'],
      ['EUR', 'USD', '1.1', '2026-01-01'],
    ]);
    // Migrations run once: ensuring again changes nothing.
    await store.modules.ensure(T, FX_MODULE);
    await store.modules.ensure(T, INCENTIVES_MODULE);
    expect((await new FxRateService(store, T).list()).length).toBe(2);
    expect(await exists('attain_incentives_fx')).toBe(false);
    // setFx enters rates to the base currency in the same table (replacing the same day's).
    await engine.setFx([{ currency: 'EUR', date: '2026-01-01', rate: '1.2' }]);
    expect((await new FxRateService(store, T).list({ from: 'EUR' })).map((r) => r.rate)).toEqual(['1.2']);
  });
});
