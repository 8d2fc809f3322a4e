// Health for a load balancer and an orchestrator, one question per route:
//   /livez   is the process up (no database call: a slow database must not get a node restarted);
//   /readyz  should it get traffic (database reachable, control migrations done, not draining);
//   /healthz the historical check (database reachable), kept for existing probes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../store-port.ts';

/** Whether this node is shutting down; set by the process entry on SIGTERM, read by /readyz. */
export class Lifecycle {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  beginDrain(): void {
    this.#draining = true;
  }
}

type Check = { name: 'database' | 'migrations' | 'draining'; ok: boolean; message?: string };

const unavailable = (reply: FastifyReply, message: string, checks: Check[]) =>
  reply.status(503).send({ error: { code: 'unavailable', message, details: checks.filter((c) => !c.ok).map((c) => ({ path: `/${c.name}`, rule: c.name, message: c.message ?? '' })) }, checks });

export function registerHealth(app: FastifyInstance, store: Store, lifecycle: Lifecycle): void {
  // While draining, every response closes its connection: a kept-alive connection would otherwise
  // outlive the drain (fastify keeps idle ones 72 s) and clients should reconnect to another node.
  app.addHook('onSend', async (_request, reply) => {
    if (lifecycle.draining) reply.header('connection', 'close');
  });
  app.get('/livez', { config: { public: true } }, async () => ({ status: 'ok' }));

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    try {
      await store.db.knex.raw('select 1');
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ error: { code: 'unavailable', message: 'the database is not reachable', details: [] } });
    }
  });

  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    // Draining first and without a query: a node going away answers at once, whatever the database does.
    if (lifecycle.draining) return unavailable(reply, 'the node is shutting down', [{ name: 'draining', ok: false, message: 'draining in-flight requests and jobs' }]);
    const checks: Check[] = [{ name: 'draining', ok: true }];
    let pending: string[] | undefined;
    try {
      pending = await store.pendingMigrations();
      checks.push({ name: 'database', ok: true });
    } catch {
      checks.push({ name: 'database', ok: false, message: 'the database is not reachable' });
    }
    if (pending) checks.push(pending.length ? { name: 'migrations', ok: false, message: `not applied: ${pending.join(', ')}` } : { name: 'migrations', ok: true });
    else checks.push({ name: 'migrations', ok: false, message: 'unknown while the database is not reachable' });
    const failed = checks.find((c) => !c.ok);
    if (failed) return unavailable(reply, failed.name === 'database' ? 'the database is not reachable' : 'database migrations are not applied', checks);
    return { status: 'ok', checks };
  });
}
