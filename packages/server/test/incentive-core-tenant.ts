// A tenant on the core metadata (orders, order lines and splits, products, the default roles) with
// an admin, finance, a manager and reps, and the incentive engine's record events drained on demand.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { readMetadataDir } from '@attain/meta/node';
import { JobRunner } from '@attain/store';
import { goalsBackground, incentivesBackground } from '@attain/engine';
import { hashPassword } from '../src/index.ts';
import type { Store } from '../src/store-port.ts';
import { PASSWORD, as, login, type Caller } from './helpers.ts';

const coreDir = fileURLToPath(new URL('../../../metadata/core', import.meta.url));
const actor = { userId: null, label: 'test' };
let n = 0;

export type Person = 'admin' | 'finance' | 'manager' | 'rep1' | 'rep2' | 'spec';

export interface CoreTenant {
  name: string;
  ids: Record<Person, string>;
  call: Record<Person, Caller>;
  /** Runs the queued record events (orders → transactions → statements). */
  drain: () => Promise<number>;
}

/** `settings`: the tenant's base currency, time zone and fiscal year start at creation (else the defaults). */
export async function coreTenant(app: FastifyInstance, store: Store, prefix: string, settings: { baseCurrency?: string; timeZone?: string; fiscalYearStartMonth?: number } = {}): Promise<CoreTenant> {
  // The engine follows record events of this store; subscribing twice is harmless (one consumer name).
  const bg = incentivesBackground(store as never);
  for (const s of bg.subscriptions ?? []) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs as never, { handlers: bg.handlers, batch: 200 });
  const name = `${prefix}${process.pid}x${++n}`;
  await store.tenants.create(name, settings);
  await store.metadata.apply(name, await readMetadataDir(coreDir), { actor });
  const records = await store.records(name);
  const unit = await records.create('org_unit', { name: 'Sales' }, actor);
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const ids = {} as Record<Person, string>;
  const call = {} as Record<Person, Caller>;
  const roles: Record<Person, string> = { admin: 'admin', finance: 'finance', manager: 'manager', rep1: 'rep', rep2: 'rep', spec: 'rep' };
  for (const [key, role] of Object.entries(roles) as Array<[Person, string]>) {
    const email = `${key}@${name}.test`;
    const user = await records.create('user', { name: key, email, role, org_unit_id: unit.id, active: true, ...(role === 'rep' && ids.manager ? { manager_id: ids.manager } : {}) }, actor);
    await store.auth.upsertCredential({ tenant: name, userId: user.id, email, passwordHash: hash, active: true });
    ids[key] = user.id;
    call[key] = as(app, await login(app, name, email));
  }
  return { name, ids, call, drain: () => runner.drain() };
}

/**
 * Goals and incentives deriving from writes in the background, as a running server does (a started
 * runner, polling often): tests then wait on `x-attain-position` instead of draining by hand.
 */
export function startDerivation(store: Store): JobRunner {
  const goals = goalsBackground(store as never);
  const incentives = incentivesBackground(store as never);
  for (const s of [...(goals.subscriptions ?? []), ...(incentives.subscriptions ?? [])]) store.events.subscribe(s);
  const runner = new JobRunner(store.jobs as never, { handlers: { ...goals.handlers, ...incentives.handlers }, pollMs: 20 });
  runner.start();
  return runner;
}
