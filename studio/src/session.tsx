import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './api/client.ts';
import type { Action, Me, ObjectDoc, ObjectPermission, SessionUser } from './api/types.ts';
import { setPluginFormulas, type PluginFormulas } from './formula/plugin-formulas.ts';

interface Session {
  status: 'loading' | 'anonymous' | 'ready';
  me: Me | null;
  /** True while the studio runs on the last session this browser saw, with no server to ask. */
  offline: boolean;
  /** When the server last confirmed the session (ms); 0 before it has. Screens that send what was queued offline wait for it. */
  checkedAt: number;
  /** Object documents the user may work with (`/metadata/readable-objects`: filtered by the server's RBAC). */
  objects: ObjectDoc[];
  /** Signs in; a user who must pass a second factor first gets the pending step instead (SecondFactor.tsx). */
  login: (tenant: string, email: string, password: string) => Promise<PendingStep | undefined>;
  /** Ends a sign-in whose second factor passed: the session cookie is set, this is its csrfToken. */
  completeSignIn: (csrfToken: string) => Promise<void>;
  logout: () => Promise<void>;
  refreshMetadata: () => Promise<void>;
  isAdmin: boolean;
  can: (object: string, action: Action) => boolean;
  permission: (object: string) => ObjectPermission | undefined;
  object: (name: string) => ObjectDoc | undefined;
}

/** A sign-in waiting for its second factor: a code (`totp`) or the enrolment of one (`enrol`). */
export interface PendingStep {
  secondFactor: 'totp' | 'enrol';
  pendingToken: string;
}

const SessionContext = createContext<Session | null>(null);

// `/auth/me` may report permissions as a list or keyed by object; accept both shapes.
function normalizeMe(raw: unknown): Me {
  const r = (raw ?? {}) as Record<string, unknown>;
  const user = (r.user ?? r) as SessionUser;
  const rawRole = r.role ?? (user as Record<string, unknown>).role;
  const role =
    rawRole && typeof rawRole === 'object'
      ? { name: String((rawRole as Record<string, unknown>).name ?? ''), label: (rawRole as Me['role'] & object).label, admin: Boolean((rawRole as Record<string, unknown>).admin) }
      : typeof rawRole === 'string'
        ? { name: rawRole, admin: Boolean(r.admin) }
        : null;
  let permissions: ObjectPermission[] = [];
  const p = r.permissions;
  if (Array.isArray(p)) permissions = p as ObjectPermission[];
  else if (p && typeof p === 'object') {
    permissions = Object.entries(p as Record<string, unknown>).map(([object, v]) => (Array.isArray(v) ? { object, actions: v as Action[] } : { object, ...(v as Omit<ObjectPermission, 'object'>) }));
  }
  if (r.admin === true && role) role.admin = true;
  const me: Me = { user, role, permissions };
  if (typeof r.tenant === 'string') me.tenant = r.tenant;
  else if (r.tenant && typeof r.tenant === 'object' && typeof (r.tenant as { name?: unknown }).name === 'string') me.tenant = (r.tenant as { name: string }).name;
  return me;
}

/**
 * Object documents for navigation, lists and forms: every object the user's role may read (or
 * create), with the fields it hides already removed by the server. Labels come in every language,
 * so a language switch needs no reload.
 */
async function loadObjects(): Promise<ObjectDoc[]> {
  return listOf<ObjectDoc>(await api.get<unknown>('/metadata/readable-objects'));
}

function listOf<T>(raw: unknown): T[] {
  if (Array.isArray(raw)) return raw as T[];
  const r = raw as { data?: unknown; objects?: unknown } | undefined;
  if (Array.isArray(r?.data)) return r.data as T[];
  if (Array.isArray(r?.objects)) return r.objects as T[];
  return [];
}

/** Admins write formulas: their formula editor knows the tenant plugins' formula functions too. */
async function loadPluginFormulas(me: Me): Promise<void> {
  if (!me.role?.admin) return;
  setPluginFormulas(listOf<PluginFormulas>(await api.get<unknown>('/plugins').catch(() => ({ data: [] }))));
}

// The last confirmed session (user, role, readable objects), so the studio opens offline after an
// online visit (docs/field.md "Offline"). Never a token: the cookie stays the proof, and the
// server is asked again as soon as the connection returns.
const CACHED_SESSION = 'attain.session';
interface CachedSession {
  me: Me;
  objects: ObjectDoc[];
}
function cachedSession(): CachedSession | null {
  try {
    const raw = localStorage.getItem(CACHED_SESSION);
    return raw ? (JSON.parse(raw) as CachedSession) : null;
  } catch {
    return null;
  }
}
function keepSession(s: CachedSession | null): void {
  try {
    if (s) localStorage.setItem(CACHED_SESSION, JSON.stringify(s));
    else localStorage.removeItem(CACHED_SESSION);
  } catch {
    /* storage full or disabled: the studio only loses its offline start */
  }
}
/** Signed out: nothing of this user's stays for the next one (the field reads the service worker cached). */
function forgetSession(): void {
  keepSession(null);
  if ('caches' in window) void caches.delete('attain-field-reads').catch(() => undefined);
}

/** Who a queued field draft belongs to: one person of one tenant. */
export function draftOwner(me: Me | null): string {
  return `${me?.tenant ?? ''}/${String(me?.user.id ?? '')}`;
}

/**
 * Field visits queued offline are sent as soon as the server confirms the session, whatever screen
 * is open (app start, connection back). The outbox module is loaded only when something waits
 * (key `attain.outbox.pending`, set by screens/field/outbox.ts), so the first screen stays small.
 */
function sendQueuedVisits(me: Me): void {
  if (!localStorage.getItem('attain.outbox.pending')) return;
  void import('./screens/field/outbox.ts').then((outbox) => outbox.flush(draftOwner(me))).catch(() => undefined);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  // Always 'loading' first: only the server knows whether this browser holds a session cookie.
  const [status, setStatus] = useState<Session['status']>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [objects, setObjects] = useState<ObjectDoc[]>([]);
  const [offline, setOffline] = useState(false);
  const [checkedAt, setCheckedAt] = useState(0);
  const load = useCallback(async () => {
    try {
      const raw = await api.get<{ csrfToken?: string }>('/auth/me');
      setCsrfToken(raw.csrfToken ?? null);
      const me = normalizeMe(raw);
      const objects = await loadObjects();
      setObjects(objects);
      await loadPluginFormulas(me);
      keepSession({ me, objects });
      setMe(me);
      setOffline(false);
      setStatus('ready');
      setCheckedAt(Date.now());
      sendQueuedVisits(me);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        setCsrfToken(null);
        forgetSession();
        setOffline(false);
        setStatus('anonymous');
        return;
      }
      // No answer (offline): the last session this browser saw, until the server can be asked.
      const cached = error instanceof ApiError ? null : cachedSession();
      if (!cached) throw error;
      setMe(cached.me);
      setObjects(cached.objects);
      setOffline(true);
      setStatus('ready');
    }
  }, []);

  useEffect(() => {
    void load().catch(() => setStatus('anonymous'));
    // Back online: ask the server again (a 401 then shows the sign-in page).
    const revalidate = () => void load().catch(() => undefined);
    window.addEventListener('online', revalidate);
    const stop = onUnauthorized(() => {
      setCsrfToken(null);
      forgetSession();
      setMe(null);
      setStatus('anonymous');
    });
    return () => {
      window.removeEventListener('online', revalidate);
      stop();
    };
  }, [load]);

  const login = useCallback(
    async (tenant: string, email: string, password: string) => {
      // The server sets the session cookie; the bearer token in the answer is for programs.
      const res = await api.post<{ csrfToken?: string; secondFactor?: PendingStep['secondFactor']; pendingToken?: string }>('/auth/login', { tenant, email, password });
      if (res.secondFactor && res.pendingToken) return { secondFactor: res.secondFactor, pendingToken: res.pendingToken };
      setCsrfToken(res.csrfToken ?? null);
      await load();
      return undefined;
    },
    [load],
  );

  const completeSignIn = useCallback(
    async (csrfToken: string) => {
      setCsrfToken(csrfToken);
      await load();
    },
    [load],
  );

  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } catch {
      /* the session is dropped locally either way */
    }
    setCsrfToken(null);
    forgetSession();
    setMe(null);
    setObjects([]);
    setStatus('anonymous');
  }, []);

  const refreshMetadata = useCallback(async () => {
    const me = normalizeMe(await api.get<unknown>('/auth/me'));
    setObjects(await loadObjects());
    await loadPluginFormulas(me);
    setMe(me);
  }, []);

  const value = useMemo<Session>(() => {
    const isAdmin = Boolean(me?.role?.admin);
    const permission = (object: string) => me?.permissions.find((p) => p.object === object) ?? me?.permissions.find((p) => p.object === '*');
    return {
      status,
      me,
      offline,
      checkedAt,
      objects,
      login,
      completeSignIn,
      logout,
      refreshMetadata,
      isAdmin,
      permission,
      can: (object, action) => isAdmin || Boolean(permission(object)?.actions.includes(action)),
      object: (name) => objects.find((o) => o.name === name),
    };
  }, [status, me, offline, checkedAt, objects, login, completeSignIn, logout, refreshMetadata]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
