// The tenant's inbound signing secret: random, shown once when rotated, kept sealed (AES-256-GCM)
// with the server's key ring — the plugins' ring (ATTAIN_SECRETS_KEY, else derived from the
// server's signing secret), the one tenant secrets are sealed with. Subscriptions' secrets too.
import { randomBytes } from 'node:crypto';
import { pluginsFor } from '@attain/plugins';
import type { Actor } from '@attain/store';
import type { Store } from '../../store-port.ts';
import { integrationsTables, type IntegrationsPort } from './tables.ts';

export function integrationsPort(store: Store, tenant: string): Promise<IntegrationsPort> {
  return store.port(tenant, integrationsTables);
}

export const seal = (store: Store, value: string): string => pluginsFor(store).secretKeys().seal(value);
export const unseal = (store: Store, sealed: string, path: string): string => String(pluginsFor(store).secretKeys().open(sealed, path));

/** A new secret: `whsec_` and 32 random bytes (base64url), the shape Stripe's senders expect. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export interface InboundSettings {
  hasSecret: boolean;
  secretHint: string | null;
  rotatedAt: string | null;
}

export async function inboundSettings(port: IntegrationsPort): Promise<InboundSettings & { sealed: string | null }> {
  const row = (await port.table('settings').where({ id: 1 }).first()) as { inbound_secret: string | null; secret_hint: string | null; rotated_at: Date | string | null } | undefined;
  return {
    hasSecret: Boolean(row?.inbound_secret),
    secretHint: row?.secret_hint ?? null,
    rotatedAt: row?.rotated_at ? new Date(row.rotated_at).toISOString() : null,
    sealed: row?.inbound_secret ?? null,
  };
}

/** Replaces the inbound secret (the old one stops working at once) and returns the new one, once. */
export async function rotateInboundSecret(store: Store, port: IntegrationsPort, actor: Actor): Promise<{ secret: string; rotatedAt: string }> {
  const secret = newSecret();
  const now = new Date();
  const hint = `…${secret.slice(-4)}`;
  await port.knex.transaction(async (trx) => {
    await port
      .table('settings', trx)
      .insert({ id: 1, inbound_secret: seal(store, secret), secret_hint: hint, rotated_at: now, rotated_by: actor.userId })
      .onConflict('id')
      .merge(['inbound_secret', 'secret_hint', 'rotated_at', 'rotated_by']);
    // The secret itself never enters the log.
    await port.audit({ actor, action: 'integrations.secret.rotate', object: 'integration_secret', after: { secretHint: hint } }, trx);
  });
  return { secret, rotatedAt: now.toISOString() };
}
