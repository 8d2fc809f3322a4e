import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface AttainConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminEmail: string;
  adminPassword: string | undefined;
  jwtSecret: string | undefined;
  /** Keys of plugins' secret settings (ATTAIN_SECRETS_KEY, newest first); unset: derived from the JWT secret. */
  secretsKey: string | undefined;
  /** Schema of the control tables and prefix of tenant schemas; change them to run several Attains on one database. */
  controlSchema: string;
  tenantSchemaPrefix: string;
  /** Megabytes of serialised list responses the server keeps (0: no list cache). */
  listCacheMb: number;
  /** Bearer token for `GET /metrics` on the API address (unset: `/metrics` answers 404 there). */
  metricsToken: string | undefined;
  /** A separate `host:port` serving only `/metrics`, without a token (e.g. a monitoring network). */
  metricsAddr: string | undefined;
  /** Which proxies' `X-Forwarded-For` names the client (fastify's trustProxy): true, or their addresses/CIDRs. */
  trustProxy: boolean | string | undefined;
  /** How long a node holds a claimed job before another node may take it over (renewed while it runs). */
  jobLeaseMs: number;
  /** On SIGTERM: how long /readyz answers 503 while requests are still served, so a load balancer can stop sending. */
  shutdownDelayMs: number;
  /** On SIGTERM: how long draining requests and jobs may take before the process exits anyway (exit 1). */
  shutdownTimeoutMs: number;
  /** The studio's public origin (`https://attain.example.com`), for the OIDC redirect URI; unset: the request's own. */
  publicUrl: string | undefined;
  /** Roles that must use TOTP in a tenant without its own list (ATTAIN_TOTP_ROLES, comma-separated; empty: none); unset: admin, finance. */
  totpRoles: string[] | undefined;
  /** The inbound-mail receiver (log addresses `log+<tenant>@<domain>`); off unless ATTAIN_MAIL_DOMAIN is set. */
  mail: { domain: string; port: number; host: string; maxBytes: number } | undefined;
}

function millis(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,9}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number of milliseconds from ${min} to ${max}, not "${raw}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AttainConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  const listCacheMb = Number(env.ATTAIN_LIST_CACHE_MB ?? 64);
  if (!Number.isFinite(listCacheMb) || listCacheMb < 0 || listCacheMb > 65536)
    throw new Error(`ATTAIN_LIST_CACHE_MB must be a number of megabytes (0 turns the cache off), not "${env.ATTAIN_LIST_CACHE_MB}"`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.ATTAIN_DATA_DIR ?? './.attain/data'),
    adminEmail: env.ATTAIN_ADMIN_EMAIL ?? 'admin@demo.local',
    adminPassword: env.ATTAIN_ADMIN_PASSWORD || undefined,
    jwtSecret: env.ATTAIN_JWT_SECRET || undefined,
    secretsKey: env.ATTAIN_SECRETS_KEY || undefined,
    controlSchema: env.ATTAIN_CONTROL_SCHEMA || 'attain',
    tenantSchemaPrefix: env.ATTAIN_TENANT_SCHEMA_PREFIX || 'tenant_',
    listCacheMb,
    metricsToken: env.ATTAIN_METRICS_TOKEN || undefined,
    metricsAddr: env.ATTAIN_METRICS_ADDR || undefined,
    trustProxy: trustProxy(env.ATTAIN_TRUST_PROXY),
    jobLeaseMs: millis(env, 'ATTAIN_JOB_LEASE_MS', 60_000, 1_000, 3_600_000),
    shutdownDelayMs: millis(env, 'ATTAIN_SHUTDOWN_DELAY_MS', 0, 0, 600_000),
    shutdownTimeoutMs: millis(env, 'ATTAIN_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    publicUrl: publicUrl(env.ATTAIN_PUBLIC_URL),
    totpRoles:
      env.ATTAIN_TOTP_ROLES === undefined
        ? undefined
        : env.ATTAIN_TOTP_ROLES.split(',')
            .map((r) => r.trim())
            .filter(Boolean),
    mail: mailConfig(env),
  };
}

function publicUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^https?:\/\/[^/\s]+\/?$/.test(value)) throw new Error(`ATTAIN_PUBLIC_URL must be an origin such as https://attain.example.com, not "${value}"`);
  return value.replace(/\/$/, '');
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function mailConfig(env: NodeJS.ProcessEnv): AttainConfig['mail'] {
  const domain = env.ATTAIN_MAIL_DOMAIN?.trim();
  if (!domain) return undefined;
  if (!DOMAIN.test(domain)) throw new Error(`ATTAIN_MAIL_DOMAIN must be a domain name, not "${domain}"`);
  const port = Number(env.ATTAIN_MAIL_PORT ?? 2525);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`ATTAIN_MAIL_PORT must be a port number, not "${env.ATTAIN_MAIL_PORT}"`);
  const mb = Number(env.ATTAIN_MAIL_MAX_MB ?? 10);
  if (!Number.isFinite(mb) || mb <= 0 || mb > 100) throw new Error(`ATTAIN_MAIL_MAX_MB must be a number of megabytes from 0 to 100, not "${env.ATTAIN_MAIL_MAX_MB}"`);
  return { domain: domain.toLowerCase(), port, host: env.ATTAIN_MAIL_HOST || env.HOST || '0.0.0.0', maxBytes: Math.round(mb * 1024 * 1024) };
}

// `true` (any proxy), or a comma-separated list of proxy addresses/CIDRs.
function trustProxy(value: string | undefined): boolean | string | undefined {
  const v = value?.trim();
  if (!v || v === 'false') return undefined;
  if (v === 'true') return true;
  if (!/^[0-9a-fA-F:.,/\s]+$/.test(v)) throw new Error(`ATTAIN_TRUST_PROXY must be true or proxy addresses/CIDRs, not "${value}"`);
  return v;
}

/**
 * The signing secret must survive restarts (or every session ends) and be the same on every node.
 * Without ATTAIN_JWT_SECRET it is generated once and kept beside the embedded database.
 */
export async function resolveJwtSecret(config: AttainConfig): Promise<string> {
  if (config.jwtSecret) return config.jwtSecret;
  const file = resolve(dirname(config.dataDir), 'jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // first start: fall through and create it
  }
  const secret = randomBytes(48).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** What the plugin runtime needs to encrypt and decrypt plugins' secret settings. */
export function pluginKeyOptions(config: AttainConfig, jwtSecret: string): { serverSecret: string; secretsKey?: string } {
  return { serverSecret: jwtSecret, ...(config.secretsKey ? { secretsKey: config.secretsKey } : {}) };
}

export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export function storeOptions(config: AttainConfig): { controlSchema: string; tenantSchemaPrefix: string } {
  return { controlSchema: config.controlSchema, tenantSchemaPrefix: config.tenantSchemaPrefix };
}

/** The environment a child process needs to open the same database as `config`. */
export function configEnv(config: AttainConfig): Record<string, string> {
  return {
    ATTAIN_DATA_DIR: config.dataDir,
    ATTAIN_ADMIN_EMAIL: config.adminEmail,
    ATTAIN_CONTROL_SCHEMA: config.controlSchema,
    ATTAIN_TENANT_SCHEMA_PREFIX: config.tenantSchemaPrefix,
    ...(config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : {}),
    ...(config.adminPassword ? { ATTAIN_ADMIN_PASSWORD: config.adminPassword } : {}),
  };
}
