// The seeded org chart every vendor fake serves, in neutral terms (each fake renders it in its
// vendor's shapes): four levels, a leader per department, a person in two departments, a person
// who leaves, and the changes a test makes before delivering a change event.
export interface Dept {
  id: string;
  name: string;
  parent: string | null;
  leaders: string[];
}

export interface Person {
  id: string;
  name: string;
  email: string | null;
  mobile: string;
  depts: string[];
  /** The primary department (first of depts unless set). */
  primary?: string;
  left?: boolean;
}

export interface OrgChart {
  depts: Dept[];
  people: Person[];
}

/** `root` is the vendor's root department id (Feishu "0", DingTalk and WeCom 1). */
export function seededChart(root: string, id: (n: number) => string = (n) => String(n + 100)): OrgChart {
  const [sales, east, shanghai, west, finance] = [id(1), id(2), id(3), id(4), id(5)];
  return {
    depts: [
      { id: root, name: 'Acme Corp', parent: null, leaders: ['ceo'] },
      { id: sales, name: 'Sales', parent: root, leaders: ['vera'] },
      { id: east, name: 'Sales East', parent: sales, leaders: ['eli'] },
      { id: shanghai, name: 'Shanghai Team', parent: east, leaders: ['sam'] },
      { id: west, name: 'Sales West', parent: sales, leaders: ['wes'] },
      { id: finance, name: 'Finance', parent: root, leaders: ['fay'] },
    ],
    people: [
      { id: 'ceo', name: 'Cora CEO', email: 'cora@acme.test', mobile: '13800000001', depts: [root] },
      { id: 'vera', name: 'Vera Sales', email: 'vera@acme.test', mobile: '13800000002', depts: [sales] },
      { id: 'eli', name: 'Eli East', email: 'eli@acme.test', mobile: '13800000003', depts: [east] },
      { id: 'sam', name: 'Sam Shanghai', email: 'sam@acme.test', mobile: '13800000004', depts: [shanghai] },
      { id: 'rita', name: 'Rita Rep', email: 'rita@acme.test', mobile: '13800000005', depts: [shanghai] },
      { id: 'ray', name: 'Ray Rep', email: 'ray@acme.test', mobile: '13800000006', depts: [shanghai, west], primary: shanghai },
      { id: 'wes', name: 'Wes West', email: 'wes@acme.test', mobile: '13800000007', depts: [west] },
      { id: 'fay', name: 'Fay Finance', email: 'fay@acme.test', mobile: '13800000008', depts: [finance] },
      { id: 'leo', name: 'Leo Leaver', email: 'leo@acme.test', mobile: '13800000009', depts: [finance] },
    ],
  };
}

/** The changes of the change-event tests: Rita moves West, Ray leads West, Leo leaves. */
export function changeChart(chart: OrgChart, west: string): void {
  const rita = chart.people.find((p) => p.id === 'rita');
  if (rita) rita.depts = [west];
  const w = chart.depts.find((d) => d.id === west);
  if (w) w.leaders = ['ray'];
  const leo = chart.people.find((p) => p.id === 'leo');
  if (leo) leo.left = true;
}

/** Paging as the vendors do: `size` items from `start`. */
export function page<T>(items: T[], start: number, size: number): { items: T[]; next: number | null } {
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? start + size : null };
}
