// Who an approver can be, by name: people (with their unit and email where names repeat, so two
// "Li Wei" can be told apart), roles by label, org units by name. Read once per designer.
import { api } from '../../api/client.ts';
import type { ListResponse, RoleDoc } from '../../api/types.ts';
import { useAsync } from '../../lib/useAsync.ts';

export interface Person {
  id: string;
  /** The name as shown: the name alone, or `name (unit · email)` when another person has the same name. */
  text: string;
}

export interface Directory {
  people: Person[];
  roles: Array<{ name: string; label: RoleDoc['label'] }>;
  units: Array<{ id: string; name: string }>;
  personText: (id: string) => string;
}

const none: ListResponse = { data: [], page: { next: null, limit: 0 } };

/** People with the names that repeat disambiguated by unit and email. */
export function peopleOf(users: ListResponse['data'], unitName: (id: string) => string): Person[] {
  const count = new Map<string, number>();
  for (const u of users) count.set(String(u.name ?? ''), (count.get(String(u.name ?? '')) ?? 0) + 1);
  return users
    .map((u) => {
      const name = String(u.name ?? u.id);
      if ((count.get(name) ?? 0) < 2) return { id: u.id, text: name };
      const extra = [u.org_unit_id ? unitName(String(u.org_unit_id)) : '', u.email ? String(u.email) : ''].filter(Boolean).join(' · ');
      return { id: u.id, text: extra ? `${name} (${extra})` : name };
    })
    .sort((a, b) => a.text.localeCompare(b.text));
}

export function useDirectory(): Directory {
  const users = useAsync(() => api.get<ListResponse>('/objects/user', { limit: 500 }).catch(() => none), []);
  const units = useAsync(() => api.get<ListResponse>('/objects/org_unit', { limit: 500 }).catch(() => none), []);
  const roles = useAsync(() => api.get<{ data: RoleDoc[] }>('/metadata/roles').catch(() => ({ data: [] as RoleDoc[] })), []);
  const unitList = (units.data?.data ?? []).map((u) => ({ id: u.id, name: String(u.name ?? u.id) })).sort((a, b) => a.name.localeCompare(b.name));
  const unitName = (id: string) => unitList.find((u) => u.id === id)?.name ?? '';
  const people = peopleOf(users.data?.data ?? [], unitName);
  return {
    people,
    roles: (roles.data?.data ?? []).map((r) => ({ name: r.name, label: r.label })),
    units: unitList,
    personText: (id: string) => people.find((p) => p.id === id)?.text ?? id,
  };
}
