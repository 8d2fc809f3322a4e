import { calendar, StoreError, type Actor, type Filter, type RecordService, type Store } from '@attain/store';
import { readSyncInput, type SyncDepartment, type SyncItem, type SyncPerson } from './org-sync-input.ts';

/**
 * `attain.org.sync`: a connector's snapshot or delta of a vendor org chart, applied through the
 * records service — whose user and org_unit writes are the one org service's writers (dated
 * spans, RBAC caches, deprovisioning). Vendor ids are kept as external ids `<plugin>:<vendor id>`,
 * so one plugin's ids never meet another's and nothing is matched by name. Every item is compared
 * first: a second identical sync writes nothing.
 */
export interface OrgSyncResult {
  effectiveFrom: string;
  counts: Record<string, number>;
  items: SyncItem[];
}

type Row = Record<string, unknown> & { id: string; external_id: string | null };

const DAY = 'YYYY-MM-DD'.length;
/** The org service's first day of every subject's timeline (docs/org.md). */
const BEGINNING = '1900-01-01';
const UNIT_FIELDS = ['external_id', 'name', 'parent_id', 'head_id'];
const PERSON_FIELDS = ['external_id', 'name', 'email', 'phone', 'title', 'employee_number', 'org_unit_id', 'manager_id', 'active'];

function failure(error: unknown): { code: string; reason: string } {
  if (error instanceof StoreError) {
    const d = error.details?.[0];
    return { code: d?.rule && d.rule !== error.code ? `${error.code}:${d.rule}` : error.code, reason: error.message.slice(0, 300) };
  }
  return { code: 'failed', reason: (error instanceof Error ? error.message : String(error)).slice(0, 300) };
}

/** The patch that brings `row` to `want` (only keys whose values differ), or null when equal. */
function diff(row: Row | undefined, want: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(want)) if (v !== undefined && (row?.[k] ?? null) !== v) out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}

export async function applyOrgSync(store: Store, tenant: string, plugin: string, raw: unknown): Promise<OrgSyncResult> {
  const input = readSyncInput(raw);
  const today = calendar.localToday((await store.tenants.settings(tenant)).timeZone || 'UTC');
  const effectiveFrom = input.effectiveFrom ?? today;
  if (effectiveFrom.length !== DAY || effectiveFrom > today)
    throw new StoreError('validation_failed', 'org sync: effectiveFrom may not be after today', [{ path: '/effectiveFrom', rule: 'not_future', message: `must be on or before ${today}` }]);
  const records = await store.records(tenant);
  const run = new OrgSync(records, plugin, effectiveFrom);
  await run.load();
  await run.units(
    input.departments.filter((d) => !d.deleted),
    input.failed.filter((f) => f.kind === 'department').map((f) => f.id),
  );
  await run.people(input.people);
  // Leavers first: a unit is not headed, nor a person managed, by someone who has left.
  if (input.mode === 'full') await run.deactivateAbsent(new Set(input.people.map((p) => p.id)));
  await run.heads(input.departments.filter((d) => !d.deleted));
  await run.managers(input.people);
  if (input.mode === 'full') await run.deleteUnits(run.absentUnits(new Set(input.departments.filter((d) => !d.deleted).map((d) => d.id))));
  await run.deleteUnits(input.departments.filter((d) => d.deleted).map((d) => d.id));
  const items = [...input.failed, ...run.items.values()];
  const counts: Record<string, number> = {};
  for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
  return { effectiveFrom, counts, items: items.filter((i) => i.status !== 'unchanged') };
}

class OrgSync {
  readonly items = new Map<string, SyncItem>();
  readonly #records: RecordService;
  readonly #prefix: string;
  readonly #opts: { effectiveFrom: string };
  readonly #actor: Actor;
  readonly #userFields: string[];
  /** Attain rows by vendor id. */
  readonly #units = new Map<string, Row>();
  readonly #users = new Map<string, Row>();
  /** This sync's departments by vendor id (for leaders and parents). */
  readonly #depts = new Map<string, SyncDepartment>();
  /** Departments refused while reading the input (their children fail as parent_failed). */
  readonly #failedInput = new Set<string>();

  constructor(records: RecordService, plugin: string, effectiveFrom: string) {
    this.#records = records;
    this.#prefix = `${plugin}:`;
    this.#opts = { effectiveFrom };
    this.#actor = { userId: null, label: `plugin:${plugin}` };
    const user = records.registry.object('user');
    // A tenant's user object may lack optional core fields (employee_number): sync what exists.
    this.#userFields = PERSON_FIELDS.filter((f) => f === 'external_id' || user?.fields.some((x) => x.name === f));
  }

  #ext(vendorId: string): string {
    return `${this.#prefix}${vendorId}`;
  }

  #item(kind: SyncItem['kind'], id: string): SyncItem {
    const key = `${kind}:${id}`;
    let item = this.items.get(key);
    if (!item) {
      item = { kind, id, status: 'unchanged', attainId: null };
      this.items.set(key, item);
    }
    return item;
  }

  #fail(item: SyncItem, code: string, reason: string): void {
    Object.assign(item, { status: 'failed', code, reason });
  }

  async #rows(object: string, fields: string[], filter: Filter): Promise<Row[]> {
    return (await this.#records.scopedRows(object, { fields, filter })) as Row[];
  }

  async load(): Promise<void> {
    const mine = { external_id: { startsWith: this.#prefix } };
    for (const r of await this.#rows('org_unit', UNIT_FIELDS, mine)) this.#units.set(String(r.external_id).slice(this.#prefix.length), r);
    for (const r of await this.#rows('user', this.#userFields, mine)) this.#users.set(String(r.external_id).slice(this.#prefix.length), r);
  }

  /** Creates, renames and moves units, parents first; a unit whose parent failed fails too. */
  async units(depts: SyncDepartment[], failedInput: readonly string[] = []): Promise<void> {
    for (const id of failedInput) this.#failedInput.add(id);
    for (const d of depts) this.#depts.set(d.id, d);
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = async (d: SyncDepartment): Promise<void> => {
      if (done.has(d.id)) return;
      const item = this.#item('department', d.id);
      if (visiting.has(d.id)) return this.#fail(item, 'cycle', 'the department is its own ancestor');
      visiting.add(d.id);
      const parent = d.parentId === null ? undefined : this.#depts.get(d.parentId);
      if (parent) await visit(parent);
      visiting.delete(d.id);
      done.add(d.id);
      if (item.status === 'failed') return;
      let parentId: string | null = null;
      if (d.parentId !== null) {
        // Never a guess: a parent that failed, or is neither in this sync nor synced before, fails the child.
        const p = this.#units.get(d.parentId);
        if (!p || (parent && this.#item('department', parent.id).status === 'failed')) {
          return this.#fail(
            item,
            parent || this.#failedInput.has(d.parentId) ? 'parent_failed' : 'unknown_parent',
            `its parent ${d.parentId} ${parent || this.#failedInput.has(d.parentId) ? 'failed' : 'is not known'}`,
          );
        }
        parentId = p.id;
      }
      await this.#save('org_unit', this.#units, item, d.id, { name: d.name, parent_id: parentId });
    };
    for (const d of depts) await visit(d);
  }

  async #save(object: string, map: Map<string, Row>, item: SyncItem, id: string, want: Record<string, unknown>): Promise<boolean> {
    const row = map.get(id);
    try {
      if (!row) {
        const created = (await this.#records.create(object, { external_id: this.#ext(id), ...want }, this.#actor)) as unknown as Row;
        map.set(id, created);
        Object.assign(item, { status: 'created', attainId: created.id });
        return true;
      }
      item.attainId = row.id;
      const patch = diff(row, want);
      if (!patch) return true;
      // Created by this very sync: its head or manager is part of what it was created with, from its first day.
      const opts = item.status === 'created' ? { effectiveFrom: BEGINNING } : this.#opts;
      const saved = (await this.#records.update(object, row.id, patch, this.#actor, opts)) as unknown as Row;
      map.set(id, { ...row, ...saved });
      if (item.status === 'unchanged') item.status = patch.active === false ? 'deactivated' : 'updated';
      return true;
    } catch (error) {
      const f = failure(error);
      this.#fail(item, f.code, f.reason);
      return false;
    }
  }

  /** The person's Attain unit: the primary department, else the first listed. */
  #unitOf(p: SyncPerson): string | null | undefined {
    if (p.departmentIds === undefined && p.primaryDepartmentId === undefined) return undefined;
    const dept = p.primaryDepartmentId ?? p.departmentIds?.[0];
    return dept === undefined || dept === null ? null : (this.#units.get(dept)?.id ?? null);
  }

  async people(people: SyncPerson[]): Promise<void> {
    const unclaimed = await this.#unclaimedByEmail(people);
    const pending = new Set(people.map((p) => p.id));
    for (const p of this.#ordered(people)) {
      pending.delete(p.id);
      const item = this.#item('person', p.id);
      const email = typeof p.email === 'string' ? p.email.trim().toLowerCase() : p.email;
      if (!this.#users.has(p.id)) {
        // Someone already in Attain (invited, SSO, SCIM) with this work email: take them over.
        const known = email ? unclaimed.get(email) : undefined;
        if (known) {
          try {
            const saved = (await this.#records.update('user', known.id, { external_id: this.#ext(p.id) }, this.#actor)) as unknown as Row;
            this.#users.set(p.id, { ...known, ...saved });
          } catch (error) {
            const f = failure(error);
            this.#fail(item, f.code, f.reason);
            continue;
          }
        } else if (!p.active) {
          continue;
        } else if (!email) {
          this.#fail(item, 'email_required', 'an Attain user needs an email (the login); the vendor sent none');
          continue;
        } else if (!p.name) {
          this.#fail(item, 'name_required', 'an Attain user needs a name');
          continue;
        }
      }
      const want: Record<string, unknown> = { name: p.name, email: email ?? undefined, active: p.active };
      if (p.mobile !== undefined && this.#userFields.includes('phone')) want.phone = p.mobile;
      if (p.title !== undefined && this.#userFields.includes('title')) want.title = p.title;
      if (p.employeeNumber !== undefined && this.#userFields.includes('employee_number')) want.employee_number = p.employeeNumber;
      const unit = this.#unitOf(p);
      if (unit !== undefined) want.org_unit_id = unit;
      if (unit !== undefined && p.active) {
        const manager = this.#managerOf(p, pending);
        if (manager !== undefined) want.manager_id = manager;
      }
      await this.#save('user', this.#users, item, p.id, want);
    }
  }

  async #unclaimedByEmail(people: SyncPerson[]): Promise<Map<string, Row>> {
    const emails = people.filter((p) => !this.#users.has(p.id) && typeof p.email === 'string' && p.email.includes('@')).map((p) => String(p.email).trim().toLowerCase());
    const out = new Map<string, Row>();
    for (let i = 0; i < emails.length; i += 500) {
      const rows = await this.#rows('user', this.#userFields, { email: { in: emails.slice(i, i + 500) }, external_id: { isNull: true } });
      for (const r of rows) out.set(String(r.email).toLowerCase(), r);
    }
    return out;
  }

  /** A synced, active person's Attain id. */
  #personId(vendorId: string): string | null {
    const row = this.#users.get(vendorId);
    return row && row.active !== false && this.#item('person', vendorId).status !== 'failed' ? row.id : null;
  }

  /** Each unit's head: its first leader who is synced and active. */
  async heads(depts: SyncDepartment[]): Promise<void> {
    for (const d of depts) {
      const item = this.#item('department', d.id);
      if (item.status === 'failed' || !this.#units.has(d.id)) continue;
      const head = d.leaderIds.map((l) => this.#personId(l)).find((x) => x !== null) ?? null;
      await this.#save('org_unit', this.#units, item, d.id, { head_id: head });
    }
  }

  /** A person's manager: a leader of their unit other than themselves, else of the nearest unit above. */
  async managers(people: SyncPerson[]): Promise<void> {
    for (const p of people) {
      const item = this.#item('person', p.id);
      if (item.status === 'failed' || !p.active || !this.#users.has(p.id)) continue;
      if (p.departmentIds === undefined && p.primaryDepartmentId === undefined) continue;
      await this.#save('user', this.#users, item, p.id, { manager_id: this.#managerOf(p) ?? null });
    }
  }

  /**
   * The person's manager by the leaders of their unit and the units above. With `pending` (the
   * people of this sync not saved yet), undefined when one of those leaders is still pending: the
   * answer is not final, and the managers pass sets it.
   */
  #managerOf(p: SyncPerson, pending?: Set<string>): string | null | undefined {
    let dept = p.primaryDepartmentId ?? p.departmentIds?.[0];
    const seen = new Set<string>();
    while (dept && !seen.has(dept)) {
      seen.add(dept);
      const d = this.#depts.get(dept);
      for (const l of d?.leaderIds ?? []) {
        if (l === p.id) continue;
        if (pending?.has(l)) return undefined;
        const id = this.#personId(l);
        if (id !== null) return id;
      }
      dept = d?.parentId ?? undefined;
    }
    return null;
  }

  /** Leaders first, top down, so most people's managers are known when they are saved (one write each). */
  #ordered(people: SyncPerson[]): SyncPerson[] {
    const leads = new Map<string, number>();
    const depth = (id: string | undefined | null): number => {
      let n = 0;
      for (let d = id ? this.#depts.get(id) : undefined; d?.parentId && n < 100; d = this.#depts.get(d.parentId)) n++;
      return n;
    };
    for (const d of this.#depts.values()) for (const l of d.leaderIds) leads.set(l, Math.min(leads.get(l) ?? 1e9, depth(d.id)));
    const rank = (p: SyncPerson) => leads.get(p.id) ?? 1e9;
    return [...people].sort((a, b) => rank(a) - rank(b));
  }

  /** Full sync: people synced before and absent now leave (deactivated, their sign-in ended). */
  async deactivateAbsent(present: Set<string>): Promise<void> {
    for (const [id, row] of this.#users) {
      if (present.has(id) || row.active === false) continue;
      await this.#save('user', this.#users, this.#item('person', id), id, { active: false });
    }
  }

  absentUnits(present: Set<string>): string[] {
    return [...this.#units.keys()].filter((id) => !present.has(id));
  }

  /** Deletes units, deepest first; a unit that still has active people (or units) below stays. */
  async deleteUnits(ids: string[]): Promise<void> {
    const depth = (id: string): number => {
      let n = 0;
      const byAttain = new Map([...this.#units.values()].map((r) => [r.id, r]));
      for (let r = this.#units.get(id); r?.parent_id && n < 100; r = byAttain.get(String(r.parent_id))) n++;
      return n;
    };
    for (const id of [...ids].sort((a, b) => depth(b) - depth(a))) {
      const item = this.#item('department', id);
      const row = this.#units.get(id);
      if (!row) continue;
      item.attainId = row.id;
      try {
        const people = await this.#records.count('user', { org_unit_id: { eq: row.id }, active: { eq: true } });
        if (people > 0) {
          this.#fail(item, 'unit_has_people', `the unit still has ${people} active people; move them first`);
          continue;
        }
        const units = await this.#records.count('org_unit', { parent_id: { eq: row.id } });
        if (units > 0) {
          this.#fail(item, 'unit_has_units', `the unit still has ${units} units below it`);
          continue;
        }
        await this.#records.delete('org_unit', row.id, this.#actor);
        this.#units.delete(id);
        item.status = 'deleted';
      } catch (error) {
        const f = failure(error);
        this.#fail(item, f.code, f.reason);
      }
    }
  }
}
