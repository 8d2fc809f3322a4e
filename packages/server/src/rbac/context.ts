import type { ObjectDef, Registry, RoleDef } from '@attain/meta';
import { calendar } from '@attain/store';
import { cacheKey, LruCache } from '../cache.ts';
import { ApiError, forbidden } from '../http/errors.ts';
import type { Actor, RecordAccess, RecordService, Store, Tenant, TenantSnapshot } from '../store-port.ts';
import { objectPermission, type Action, type ObjectPermission } from './permissions.ts';
import { teamOwnerIds, teamUnitIds, type TeamOrgUnit, type TeamUser } from './team.ts';

export interface Principal {
  tenant: Tenant;
  userId: string;
  user: Readonly<Record<string, unknown>>;
  role: RoleDef | undefined;
  registry: Registry;
  /** The tenant at the revision this request runs at: record services come from it, with no further revision check. */
  snapshot: TenantSnapshot;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  /** An API token's scopes: a scoped token reaches only routes of its scopes (`config.tokenScope`). */
  scopes?: readonly string[];
}

export interface ObjectGrant {
  object: ObjectDef;
  perm: ObjectPermission;
  access: RecordAccess;
  service: RecordService;
}

/**
 * Everything one request may do, resolved once per request: the role's permission per object
 * and the owner set of its record scope. The same grants feed REST and GraphQL, so both apply
 * identical rules (DESIGN.md §9.3).
 */
export class AccessContext {
  readonly principal: Principal;
  readonly actor: Actor;
  private readonly requestedLocale: string | undefined;

  /**
   * The language answers are worded in: the one the client asks for (the studio sends the
   * language its user picked, `x-attain-locale`), else the user's profile language.
   */
  get locale(): string | undefined {
    return this.requestedLocale ?? (typeof this.principal.user.locale === 'string' ? this.principal.user.locale : undefined);
  }
  private readonly store: Store;
  private team: Promise<string[]> | undefined;
  private readonly grants = new Map<string, Promise<ObjectGrant>>();

  private readonly teams: LruCache<Promise<string[]>> | undefined;

  /** `teams`: owner sets of team scopes shared across requests, keyed by the tenant's data version. */
  constructor(store: Store, principal: Principal, teams?: LruCache<Promise<string[]>>, requestedLocale?: string) {
    this.store = store;
    this.principal = principal;
    this.teams = teams;
    this.requestedLocale = requestedLocale;
    const label = typeof principal.user.name === 'string' ? principal.user.name : undefined;
    this.actor = { userId: principal.userId, ...(label ? { label } : {}) };
  }

  get registry(): Registry {
    return this.principal.registry;
  }

  get tenantName(): string {
    return this.principal.tenant.name;
  }

  object(name: string): ObjectDef {
    const object = this.registry.object(name);
    if (!object) throw new ApiError(404, 'unknown_object', `there is no object named "${name.slice(0, 64)}"`);
    return object;
  }

  permission(name: string): ObjectPermission {
    return objectPermission(this.principal.role, this.object(name));
  }

  /** The grant for an action on an object, or 403 when the role does not allow it. */
  async grant(name: string, ...actions: Action[]): Promise<ObjectGrant> {
    const object = this.object(name);
    const perm = objectPermission(this.principal.role, object);
    const missing = actions.filter((a) => !perm.actions.has(a));
    if (missing.length) {
      throw forbidden(
        `your role may not ${missing.join(', ')} ${object.name}`,
        missing.map((a) => ({ path: `/${object.name}`, rule: a, message: `the action "${a}" is not granted` })),
      );
    }
    let grant = this.grants.get(name);
    if (!grant) {
      grant = this.buildGrant(object, perm);
      this.grants.set(name, grant);
    }
    return grant;
  }

  private async buildGrant(object: ObjectDef, perm: ObjectPermission): Promise<ObjectGrant> {
    const access: RecordAccess = { hiddenFields: perm.hiddenFields, readOnlyFields: perm.readOnlyFields };
    // Validation-rule messages come back in the user's language.
    if (this.locale) access.locale = this.locale;
    if (perm.scope === 'own') access.rowFilter = { ownerIn: [this.principal.userId] };
    else if (perm.scope === 'team') access.rowFilter = { ownerIn: await this.teamOwners() };
    access.scopeOf = await this.scopes();
    access.hiddenOf = this.hiddenOf;
    const service = this.principal.snapshot.records(access);
    return { object, perm, access, service };
  }

  // Formulas in reports reach related objects: their hidden fields are this role's too.
  private readonly hiddenOf: NonNullable<RecordAccess['hiddenOf']> = (name) => {
    const other = this.registry.object(name);
    return other ? objectPermission(this.principal.role, other).hiddenFields : undefined;
  };

  /**
   * What the report code needs to measure a module's dataset for this caller: no row filter of its
   * own (the module scoped the rows), and the caller's scope and hidden fields on the objects its
   * references name (a payee's title only where the caller may read that user).
   */
  async relatedAccess(): Promise<RecordAccess> {
    const access: RecordAccess = { hiddenFields: new Set(), scopeOf: await this.scopes(), hiddenOf: this.hiddenOf };
    if (this.locale) access.locale = this.locale;
    return access;
  }

  private scopeFn: Promise<NonNullable<RecordAccess['scopeOf']>> | undefined;

  /**
   * The caller's record scope on every object, as the list routes apply it: rows reached from
   * another object (a reference written, a related row a formula reads) obey it too.
   */
  scopes(): Promise<NonNullable<RecordAccess['scopeOf']>> {
    this.scopeFn ??= (async () => {
      const role = this.principal.role;
      const perms = (o: ObjectDef) => objectPermission(role, o);
      const needsTeam = this.registry.objects.some((o) => perms(o).actions.has('read') && perms(o).scope === 'team');
      const team = needsTeam ? await this.teamOwners() : [];
      const own = [this.principal.userId];
      return (name: string) => {
        const object = this.registry.object(name);
        if (!object) return 'none';
        const perm = perms(object);
        if (!perm.actions.has('read')) return 'none';
        if (perm.scope === 'own') return { ownerIn: own };
        if (perm.scope === 'team') return { ownerIn: team };
        return undefined;
      };
    })();
    return this.scopeFn;
  }

  /** Whether a write may set this owner: only owners inside the caller's record scope. */
  assertOwnerInScope(grant: ObjectGrant, data: Record<string, unknown>): void {
    const owners = grant.access.rowFilter?.ownerIn;
    if (!owners || !('owner_id' in data) || data.owner_id === undefined) return;
    if (typeof data.owner_id !== 'string' || !owners.includes(data.owner_id)) {
      throw forbidden('you may only assign records to owners within your scope', [{ path: '/owner_id', rule: 'scope', message: 'owner is outside your record scope' }]);
    }
  }

  teamOwners(): Promise<string[]> {
    this.team ??= this.sharedTeam();
    return this.team;
  }

  /**
   * The team is read from users and org units, so it stands while the tenant's data version
   * does (any committed record write moves it); without a trusted version it is read afresh.
   */
  private sharedTeam(): Promise<string[]> {
    return this.shared('owners', () => this.loadTeam());
  }

  /** `load` shared across requests for this user while the data version stands (see sharedTeam). */
  private async shared(kind: 'owners' | 'units', load: () => Promise<string[]>): Promise<string[]> {
    const { tenant, registry, userId } = this.principal;
    const version = this.store.db.changes.dataVersion(tenant.schema);
    if (!this.teams || version === undefined) return load();
    // Today's org is read: a new day in the tenant's zone (a dated change taking effect) is a new
    // key even when no write moved the version.
    const day = calendar.localToday((await this.store.tenants.settings(tenant.name)).timeZone);
    // Owner sets keep their original key; unit sets add a suffix.
    const key = kind === 'owners' ? cacheKey(tenant.id, registry.revision, version, userId, day) : cacheKey(tenant.id, registry.revision, version, userId, day, kind);
    const team = this.teams.getOrCreate(key, load);
    team.catch(() => this.teams?.delete(key));
    return team;
  }

  /** Another user's team as the org has it today: the owners their team scope reaches (dashboards shared "with my team"). */
  async teamOf(userId: string): Promise<string[]> {
    const { users, orgUnits } = await this.org();
    return teamOwnerIds(userId, users, orgUnits);
  }

  private async loadTeam(): Promise<string[]> {
    const { users, orgUnits } = await this.org();
    return teamOwnerIds(this.principal.userId, users, orgUnits);
  }

  private orgRead: Promise<{ users: TeamUser[]; orgUnits: TeamOrgUnit[] }> | undefined;
  private units: Promise<string[]> | undefined;

  /** Today's org from the effective-dated org service (the same answer roll-ups and approvals get). */
  private org(): Promise<{ users: TeamUser[]; orgUnits: TeamOrgUnit[] }> {
    this.orgRead ??= (async () => {
      if (!this.registry.object('user')) return { users: [], orgUnits: [] };
      const org = await (await this.store.org(this.principal.tenant.name)).on();
      return { users: org.users, orgUnits: org.units };
    })();
    return this.orgRead;
  }

  /** The org units a team scope covers: the caller's unit and its subtree (goals and incentive `unit` parameters). */
  teamUnits(): Promise<string[]> {
    this.units ??= this.shared('units', async () => {
      const { users, orgUnits } = await this.org();
      return teamUnitIds(this.principal.userId, users, orgUnits);
    });
    return this.units;
  }
}
