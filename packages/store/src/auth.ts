import { type Ctx, toIso } from './context.ts';
import { StoreError, pgCode } from './errors.ts';
import type { ApiToken, AuthStore, Credential, CredentialStore } from './types.ts';
import { uuidv7, isUuid } from './uuid.ts';
import type { WriteGuard } from './write-guards.ts';

interface TokenRow {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  scopes: string[] | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) {
    throw new StoreError('validation_failed', `${path} must be a non-empty text value`, [{ path: `/${path}`, rule: 'type', message: 'must be a non-empty text value' }]);
  }
  return value;
}

function when(v: Date | string | null | undefined): string | null {
  return v === null || v === undefined ? null : toIso(v);
}

/**
 * Deactivating (or deleting) a user record ends every session and API token of the user, in the
 * same transaction: credentials are not merely refused while the user is inactive, so
 * reactivating them does not revive one that leaked meanwhile.
 */
function endCredentialsOfInactiveUsers(ctx: Ctx): WriteGuard {
  return async ({ tenant, object, op, patch, id, trx }) => {
    if (object !== 'user') return;
    const deactivated = op === 'delete' || (patch !== undefined && Object.hasOwn(patch, 'active') && [false, 'false', 0, '0'].includes(patch.active as never));
    if (!deactivated) return;
    const row = await ctx.tenantRow(trx, tenant, { light: true });
    const now = new Date();
    await ctx.table(trx, 'sessions').where({ tenant_id: row.id, user_id: id }).whereNull('revoked_at').update({ revoked_at: now });
    await ctx.table(trx, 'api_tokens').where({ tenant_id: row.id, user_id: id }).whereNull('revoked_at').update({ revoked_at: now });
  };
}

/** Credentials, API tokens and sessions, in the control schema. Only hashes are stored. */
export function authService(ctx: Ctx): AuthStore {
  ctx.guards.register('auth.end-credentials-of-inactive-users', endCredentialsOfInactiveUsers(ctx));
  const names = new Map<string, string>();
  async function tenantId(name: string): Promise<string> {
    const cached = names.get(name);
    if (cached) return cached;
    const row = await ctx.tenantRow(ctx.knex, str(name, 'tenant'));
    names.set(name, row.id);
    return row.id;
  }
  async function tenantName(id: string): Promise<string> {
    for (const [n, i] of names) if (i === id) return n;
    const row = (await ctx.table(ctx.knex, 'tenants').where({ id }).first('name')) as { name: string };
    names.set(row.name, id);
    return row.name;
  }
  async function toToken(r: TokenRow): Promise<ApiToken> {
    return {
      id: r.id,
      tenant: await tenantName(r.tenant_id),
      userId: r.user_id,
      name: r.name,
      scopes: r.scopes ?? [],
      createdAt: toIso(r.created_at),
      expiresAt: when(r.expires_at),
      revokedAt: when(r.revoked_at),
      lastUsedAt: when(r.last_used_at),
    };
  }
  const credentials: CredentialStore = {
    async upsertCredential(c: Credential) {
      const tid = await tenantId(c.tenant);
      const row = { tenant_id: tid, user_id: str(c.userId, 'userId'), email: str(c.email, 'email').toLowerCase(), password_hash: str(c.passwordHash, 'passwordHash'), active: c.active !== false };
      try {
        await ctx
          .table(ctx.knex, 'credentials')
          .insert(row)
          .onConflict(['tenant_id', 'user_id'])
          .merge({ email: row.email, password_hash: row.password_hash, active: row.active, updated_at: new Date() });
      } catch (error) {
        if (pgCode(error) === '23505') throw new StoreError('conflict', 'Another user already has this email', [{ path: '/email', rule: 'unique', message: 'is taken' }], { cause: error });
        throw error;
      }
    },
    async findCredential(tenant, email) {
      const tid = await tenantId(tenant);
      const r = await ctx.table(ctx.knex, 'credentials').where({ tenant_id: tid }).andWhere('email', String(email).toLowerCase()).first();
      if (!r) return undefined;
      return { tenant, userId: r.user_id, email: r.email, passwordHash: r.password_hash, active: Boolean(r.active) };
    },
    async setActive(tenant, userId, active) {
      const tid = await tenantId(tenant);
      const n = await ctx
        .table(ctx.knex, 'credentials')
        .where({ tenant_id: tid, user_id: String(userId) })
        .update({ active: Boolean(active), updated_at: new Date() });
      if (!n) throw new StoreError('not_found', 'No credential for this user');
      if (!active) {
        // A deactivated user loses every credential, so reactivating them does not revive a leaked one.
        await ctx
          .table(ctx.knex, 'sessions')
          .where({ tenant_id: tid, user_id: String(userId) })
          .whereNull('revoked_at')
          .update({ revoked_at: new Date() });
        await ctx
          .table(ctx.knex, 'api_tokens')
          .where({ tenant_id: tid, user_id: String(userId) })
          .whereNull('revoked_at')
          .update({ revoked_at: new Date() });
      }
    },
  };
  return {
    ...credentials,
    credentials,
    apiTokens: {
      async create(t) {
        const tid = await tenantId(t.tenant);
        const id = uuidv7();
        const [row] = (await ctx
          .table(ctx.knex, 'api_tokens')
          .insert({
            id,
            tenant_id: tid,
            user_id: str(t.userId, 'userId'),
            name: str(t.name, 'name'),
            token_hash: str(t.tokenHash, 'tokenHash'),
            expires_at: t.expiresAt ? new Date(t.expiresAt) : null,
            scopes: (t.scopes ?? []).map((x, i) => str(x, `scopes/${i}`)),
          })
          .returning('*')) as TokenRow[];
        return toToken(row as TokenRow);
      },
      async findByHash(tokenHash) {
        const r = (await ctx
          .table(ctx.knex, 'api_tokens')
          .where({ token_hash: String(tokenHash) })
          .whereNull('revoked_at')
          .andWhere((b) => b.whereNull('expires_at').orWhere('expires_at', '>', new Date()))
          .first()) as TokenRow | undefined;
        return r ? toToken(r) : undefined;
      },
      async revoke(id) {
        if (!isUuid(id)) throw new StoreError('not_found', 'No such token');
        const n = await ctx.table(ctx.knex, 'api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: new Date() });
        if (!n) throw new StoreError('not_found', 'No such token');
      },
      async list(tenant, userId) {
        const tid = await tenantId(tenant);
        let q = ctx.table(ctx.knex, 'api_tokens').where({ tenant_id: tid });
        if (userId !== undefined) q = q.andWhere('user_id', String(userId));
        const rows = (await q.orderBy('created_at', 'desc').select('*')) as TokenRow[];
        return Promise.all(rows.map(toToken));
      },
      async touch(id) {
        if (!isUuid(id)) return;
        await ctx.table(ctx.knex, 'api_tokens').where({ id }).update({ last_used_at: new Date() });
      },
    },
    sessions: {
      async create(s) {
        const tid = await tenantId(s.tenant);
        await ctx.table(ctx.knex, 'sessions').insert({ jti: str(s.jti, 'jti'), tenant_id: tid, user_id: str(s.userId, 'userId'), expires_at: new Date(s.expiresAt) });
      },
      async isActive(jti, bound) {
        if (typeof jti !== 'string') return false;
        const q = ctx.table(ctx.knex, 'sessions').where({ jti }).whereNull('revoked_at').andWhere('expires_at', '>', new Date());
        // The session must belong to the tenant and user the token names: a token is only as
        // good as the session row it was issued with (one query, the tenant by a sub-select).
        if (bound)
          q.andWhere('user_id', String(bound.userId)).whereIn(
            'tenant_id',
            ctx
              .table(ctx.knex, 'tenants')
              .where({ name: String(bound.tenant) })
              .select('id'),
          );
        return Boolean(await q.first('jti'));
      },
      async revoke(jti) {
        await ctx
          .table(ctx.knex, 'sessions')
          .where({ jti: String(jti) })
          .whereNull('revoked_at')
          .update({ revoked_at: new Date() });
      },
      async revokeAllForUser(tenant, userId) {
        const tid = await tenantId(tenant);
        return ctx
          .table(ctx.knex, 'sessions')
          .where({ tenant_id: tid, user_id: String(userId) })
          .whereNull('revoked_at')
          .update({ revoked_at: new Date() });
      },
    },
    throttle: {
      async add(counters, delta) {
        if (!counters.length) return [];
        if (!Number.isInteger(delta)) throw new StoreError('validation_failed', 'delta must be an integer');
        const rows = counters.map((c) => ({ scope: str(c.scope, 'scope'), key: str(c.key, 'key'), window_start: c.windowStart, failures: Math.max(delta, 0) }));
        if (delta >= 0) {
          // One statement: every node's attempts land on the same rows, counted exactly.
          const out = (await ctx
            .table(ctx.knex, 'auth_throttle')
            .insert(rows)
            .onConflict(['scope', 'key', 'window_start'])
            .merge({ failures: ctx.knex.raw('?? + ?', ['auth_throttle.failures', delta]) })
            .returning(['scope', 'key', 'failures'])) as Array<{ scope: string; key: string; failures: number }>;
          return rows.map((r) => Number(out.find((o) => o.scope === r.scope && o.key === r.key)?.failures ?? 0));
        }
        const values: number[] = [];
        for (const r of rows) {
          const [row] = (await ctx
            .table(ctx.knex, 'auth_throttle')
            .where({ scope: r.scope, key: r.key, window_start: r.window_start })
            .update({ failures: ctx.knex.raw('greatest(?? + ?, 0)', ['failures', delta]) })
            .returning(['failures'])) as Array<{ failures: number }>;
          values.push(Number(row?.failures ?? 0));
        }
        return values;
      },
      async prune(before) {
        const gone = (await ctx.table(ctx.knex, 'auth_throttle').where('window_start', '<', before).delete().returning('key')) as unknown[];
        return gone.length;
      },
    },
  };
}
