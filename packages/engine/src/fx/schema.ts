import type { TenantModule } from '@attain/store';
import { quoteIdent } from '@attain/meta';

/** The one exchange-rate table of a tenant: effective-dated rates per currency pair. */
export const FX_TABLE = 'attain_fx_rates';

export const FX_MODULE: TenantModule = {
  name: 'fx',
  migrations: [
    {
      version: 1,
      async up(trx, schema) {
        const s = quoteIdent(schema);
        await trx.raw(`create table if not exists ${s}.${quoteIdent(FX_TABLE)} (
          id uuid primary key,
          from_currency text not null check (from_currency ~ '^[A-Z]{3}$'),
          to_currency text not null check (to_currency ~ '^[A-Z]{3}$' and to_currency <> from_currency),
          rate numeric not null check (rate > 0),
          effective_from date not null,
          created_by text,
          created_at timestamptz not null default now(),
          -- The pair either way round: one index probe finds a rate or its inverse (see sql.ts).
          pair text generated always as (least(from_currency, to_currency) || '/' || greatest(from_currency, to_currency)) stored,
          unique (from_currency, to_currency, effective_from))`);
        await trx.raw(`create index if not exists attain_fx_rates_pair on ${s}.${quoteIdent(FX_TABLE)} (pair, effective_from)`);
        // The incentive engine kept its own rates (units of its then hard-coded base, USD, per unit of
        // a currency): they move here so that one table answers, and the engine's copy goes away.
        const old = ((await trx.raw(`select to_regclass(?) as t`, [`${schema}.attain_incentives_fx`])).rows as Array<{ t: unknown }>)[0]?.t;
        if (old) {
          await trx.raw(`insert into ${s}.${quoteIdent(FX_TABLE)} (id, from_currency, to_currency, rate, effective_from, created_by)
            select gen_random_uuid(), currency, 'USD', rate, date, 'migration' from ${s}."attain_incentives_fx" where currency <> 'USD' and currency ~ '^[A-Z]{3}$' and rate > 0
            on conflict (from_currency, to_currency, effective_from) do nothing`);
          await trx.schema.withSchema(schema).dropTable('attain_incentives_fx');
        }
      },
    },
  ],
};
