import { type Ctx, toIso } from './context.ts';
import { StoreError, pgCode } from './errors.ts';
import type { ApiToken, AuthStore, Credential, CredentialStore } from './types.ts';
import { uuidv7, isUuid } from './uuid.ts';

interface TokenRow {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
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

/** Credentials, API tokens and sessions, in the control schema. Only hashes are stored. */
export function authService(ctx: Ctx): AuthStore {
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
      const n = await ctx.table(ctx.knex, 'credentials').where({ tenant_id: tid, user_id: String(userId) }).update({ active: Boolean(active), updated_at: new Date() });
      if (!n) throw new StoreError('not_found', 'No credential for this user');
      if (!active) await ctx.table(ctx.knex, 'sessions').where({ tenant_id: tid, user_id: String(userId) }).whereNull('revoked_at').update({ revoked_at: new Date() });
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
          .insert({ id, tenant_id: tid, user_id: str(t.userId, 'userId'), name: str(t.name, 'name'), token_hash: str(t.tokenHash, 'tokenHash'), expires_at: t.expiresAt ? new Date(t.expiresAt) : null })
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
      async isActive(jti) {
        if (typeof jti !== 'string') return false;
        const r = await ctx.table(ctx.knex, 'sessions').where({ jti }).whereNull('revoked_at').andWhere('expires_at', '>', new Date()).first('jti');
        return Boolean(r);
      },
      async revoke(jti) {
        await ctx.table(ctx.knex, 'sessions').where({ jti: String(jti) }).whereNull('revoked_at').update({ revoked_at: new Date() });
      },
      async revokeAllForUser(tenant, userId) {
        const tid = await tenantId(tenant);
        return ctx.table(ctx.knex, 'sessions').where({ tenant_id: tid, user_id: String(userId) }).whereNull('revoked_at').update({ revoked_at: new Date() });
      },
    },
  };
}
