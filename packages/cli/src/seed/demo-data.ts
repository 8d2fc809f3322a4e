import { Random, addDays, isoDate } from './random.ts';
import { PROVINCE_OF } from './demo-provinces.ts';

/** A record to seed: refs point at other seed records by external id and are resolved on insert. */
export interface SeedRecord {
  external_id: string;
  /** field name → external id of the referenced record, resolved to its uuid on insert. */
  refs?: Record<string, string>;
  /** external id of the owning user. */
  owner?: string;
  values: Record<string, unknown>;
}

export interface SeedSize {
  customers: number;
  opportunities: number;
  orders: number;
  visits: number;
  activities: number;
}

export interface DemoData {
  /** Objects in insertion order (parents first). */
  batches: Array<{ object: string; records: SeedRecord[]; afterInsert?: 'link_org' }>;
  people: Array<{ external_id: string; email: string; role: string }>;
}

const FIRST = [
  'Wei',
  'Li',
  'Ming',
  'Jing',
  'Hao',
  'Yan',
  'Lei',
  'Fang',
  'Jun',
  'Xin',
  'Anna',
  'Ben',
  'Chloe',
  'David',
  'Emma',
  'Felix',
  'Grace',
  'Henry',
  'Iris',
  'Jack',
  'Kate',
  'Leo',
  'Maya',
  'Noah',
  'Olivia',
  'Paul',
  'Qing',
  'Ruby',
  'Sam',
  'Tara',
];
const LAST = [
  'Wang',
  'Zhang',
  'Liu',
  'Chen',
  'Yang',
  'Zhao',
  'Huang',
  'Zhou',
  'Wu',
  'Xu',
  'Sun',
  'Hu',
  'Zhu',
  'Gao',
  'Lin',
  'He',
  'Guo',
  'Ma',
  'Luo',
  'Liang',
  'Smith',
  'Brown',
  'Garcia',
  'Miller',
  'Davis',
  'Lopez',
  'Wilson',
  'Moore',
  'Clark',
  'Lewis',
];
const REGIONS = [
  { code: 'EAST', name: 'East China', zh: '华东', cities: ['Shanghai', 'Hangzhou', 'Nanjing', 'Suzhou', 'Ningbo'] },
  { code: 'NORTH', name: 'North China', zh: '华北', cities: ['Beijing', 'Tianjin', 'Jinan', 'Qingdao', 'Shijiazhuang'] },
  { code: 'SOUTH', name: 'South China', zh: '华南', cities: ['Guangzhou', 'Shenzhen', 'Xiamen', 'Fuzhou', 'Dongguan'] },
];
const COMPANY_A = ['Golden', 'Pacific', 'Orient', 'Harmony', 'Summit', 'Evergreen', 'Silver', 'Bright', 'Great Wall', 'Jade', 'Phoenix', 'Lotus', 'Blue Sky', 'Red River', 'North Star', 'Dragon'];
const COMPANY_B = ['Precision', 'Medical', 'Retail', 'Foods', 'Logistics', 'Electronics', 'Pharma', 'Machinery', 'Textiles', 'Chemicals', 'Software', 'Motors'];
const COMPANY_C = ['Co., Ltd.', 'Group', 'Holdings', 'Industries', 'Technology Co.', 'Trading Co.'];
const INDUSTRIES = ['manufacturing', 'retail', 'healthcare', 'finance', 'technology', 'fmcg'] as const;
const PRODUCTS: Array<[string, string, string, number, number]> = [
  ['Attain Analyzer X1', 'AX1', 'hardware', 48000, 26000],
  ['Attain Analyzer X2', 'AX2', 'hardware', 86000, 47000],
  ['Field Scanner S', 'FSS', 'hardware', 12000, 6100],
  ['Field Scanner Pro', 'FSP', 'hardware', 19800, 10400],
  ['Smart Shelf Kit', 'SSK', 'hardware', 6800, 3300],
  ['Cloud Suite Basic (year)', 'CSB', 'software', 15000, 2200],
  ['Cloud Suite Pro (year)', 'CSP', 'software', 42000, 5200],
  ['Cloud Suite Enterprise (year)', 'CSE', 'software', 120000, 13000],
  ['Analytics Add-on (year)', 'ANA', 'software', 24000, 2600],
  ['Mobile CRM Seats (10)', 'MCR', 'software', 9600, 900],
  ['Installation Service', 'INS', 'service', 5000, 2600],
  ['Training Day', 'TRN', 'service', 3500, 1400],
  ['Premium Support (year)', 'PSU', 'service', 18000, 7000],
  ['Consulting Package', 'CON', 'service', 30000, 15000],
  ['Data Migration', 'DMG', 'service', 12000, 6500],
  ['Reagent Pack A', 'RPA', 'consumable', 900, 380],
  ['Reagent Pack B', 'RPB', 'consumable', 1400, 610],
  ['Label Rolls (case)', 'LBR', 'consumable', 320, 120],
  ['Sensor Cartridge', 'SCT', 'consumable', 2600, 1150],
  ['Calibration Kit', 'CKT', 'consumable', 1800, 700],
];
const STAGES: Array<readonly [string, number]> = [
  ['prospecting', 14],
  ['qualification', 14],
  ['proposal', 12],
  ['negotiation', 10],
  ['closed_won', 30],
  ['closed_lost', 20],
];
const STAGE_PROBABILITY: Record<string, string> = {
  prospecting: '0.1',
  qualification: '0.2',
  proposal: '0.5',
  negotiation: '0.7',
  closed_won: '1',
  closed_lost: '0',
};

export const DEFAULT_SEED_SIZE: SeedSize = { customers: 300, opportunities: 2500, orders: 2500, visits: 1500, activities: 2000 };

/**
 * Builds a realistic, deterministic sales organisation: a three-level org of about 50 people,
 * customers, contacts, products, opportunities over two years, orders with lines, visits and
 * activities. `today` anchors the dates so the demo always looks current.
 */
export function buildDemoData(today: Date, size: SeedSize = DEFAULT_SEED_SIZE, seed = 20261127): DemoData {
  const rnd = new Random(seed);
  const orgUnits: SeedRecord[] = [{ external_id: 'ou-hq', values: { name: 'Sales HQ', code: 'HQ', level: 0, region: 'China' } }];
  const users: SeedRecord[] = [];
  const people: DemoData['people'] = [];
  const usedEmails = new Set<string>();
  const person = (unit: string, role: string, title: string, manager?: string): string => {
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    let email = `${first}.${last}@demo.local`.toLowerCase();
    for (let n = 2; usedEmails.has(email); n++) email = `${first}.${last}${n}@demo.local`.toLowerCase();
    usedEmails.add(email);
    const id = `user-${users.length + 1}`;
    users.push({
      external_id: id,
      refs: { org_unit_id: unit, ...(manager ? { manager_id: manager } : {}) },
      values: {
        name: `${first} ${last}`,
        email,
        role,
        title,
        active: true,
        locale: rnd.next() < 0.6 ? 'zh-CN' : 'en',
        hire_date: isoDate(addDays(today, -rnd.int(200, 3000))),
        phone: `+86 1${rnd.int(30, 89)} ${rnd.int(1000, 9999)} ${rnd.int(1000, 9999)}`,
      },
    });
    people.push({ external_id: id, email, role });
    return id;
  };
  const vp = person('ou-hq', 'manager', 'VP of Sales');
  person('ou-hq', 'finance', 'Commission Analyst', vp);
  const reps: Array<{ id: string; region: (typeof REGIONS)[number] }> = [];
  for (const region of REGIONS) {
    const unit = `ou-${region.code.toLowerCase()}`;
    orgUnits.push({ external_id: unit, refs: { parent_id: 'ou-hq' }, values: { name: `${region.name} Region`, code: region.code, level: 1, region: region.name } });
    const director = person(unit, 'manager', `${region.name} Sales Director`, vp);
    for (let t = 1; t <= 2; t++) {
      const team = `${unit}-t${t}`;
      orgUnits.push({ external_id: team, refs: { parent_id: unit }, values: { name: `${region.name} Team ${t}`, code: `${region.code}-${t}`, level: 2, region: region.name } });
      const lead = person(team, 'manager', 'Team Lead', director);
      for (let r = 0; r < 7; r++) reps.push({ id: person(team, 'rep', rnd.next() < 0.3 ? 'Senior Account Executive' : 'Account Executive', lead), region });
    }
  }
  const heads: Record<string, string> = {};
  for (const u of users) {
    const unit = u.refs?.org_unit_id;
    if (unit && !heads[unit]) heads[unit] = u.external_id;
  }
  for (const unit of orgUnits) {
    const head = heads[unit.external_id];
    if (head) unit.refs = { ...unit.refs, head_id: head };
  }

  const products: SeedRecord[] = PRODUCTS.map(([name, sku, category, price, cost]) => ({
    external_id: `prod-${sku}`,
    values: { name, sku, category, list_price: price.toFixed(2), unit_cost: cost.toFixed(2), active: true },
  }));

  const customers: SeedRecord[] = [];
  const contacts: SeedRecord[] = [];
  const customerOwner: Array<{ id: string; owner: string; contacts: string[] }> = [];
  for (let i = 1; i <= size.customers; i++) {
    const rep = rnd.pick(reps);
    const city = rnd.pick(rep.region.cities);
    const id = `cust-${i}`;
    customers.push({
      external_id: id,
      owner: rep.id,
      values: {
        name: `${rnd.pick(COMPANY_A)} ${rnd.pick(COMPANY_B)} ${rnd.pick(COMPANY_C)} (${city} ${i})`,
        industry: rnd.pick(INDUSTRIES),
        segment: rnd.weighted([
          ['enterprise', 2],
          ['mid_market', 4],
          ['smb', 5],
        ] as const),
        status: rnd.weighted([
          ['prospect', 3],
          ['active', 6],
          ['churned', 1],
        ] as const),
        region: rep.region.name,
        province: PROVINCE_OF[city] ?? null,
        city,
        address: `${rnd.int(1, 999)} ${rnd.pick(['Century', 'Harbour', 'Renmin', 'Zhongshan', 'Jianguo', 'Nanjing'])} Road, ${city}`,
        phone: `+86 ${rnd.int(10, 99)} ${rnd.int(1000, 9999)} ${rnd.int(1000, 9999)}`,
        annual_revenue: rnd.money(2e6, 5e8),
      },
    });
    const contactIds: string[] = [];
    for (let c = 0; c < rnd.int(1, 2); c++) {
      const cid = `${id}-c${c + 1}`;
      const first = rnd.pick(FIRST);
      const last = rnd.pick(LAST);
      contacts.push({
        external_id: cid,
        owner: rep.id,
        refs: { customer_id: id },
        values: {
          first_name: first,
          last_name: last,
          email: `${first}.${last}.${i}@customer.example`.toLowerCase(),
          job_title: rnd.pick(['Purchasing Manager', 'CTO', 'Operations Director', 'CFO', 'Store Manager', 'Lab Director']),
        },
      });
      contactIds.push(cid);
    }
    customerOwner.push({ id, owner: rep.id, contacts: contactIds });
  }

  const opportunities: SeedRecord[] = [];
  const won: Array<{ id: string; customer: string; owner: string; date: Date; amount: number; product: number }> = [];
  for (let i = 1; i <= size.opportunities; i++) {
    const customer = rnd.pick(customerOwner);
    const stage = rnd.weighted(STAGES);
    const closed = stage === 'closed_won' || stage === 'closed_lost';
    const close = closed ? addDays(today, -rnd.int(1, 730)) : addDays(today, rnd.int(-10, 180));
    const productIndex = rnd.int(0, PRODUCTS.length - 1);
    const product = PRODUCTS[productIndex];
    const amount = Math.round((product?.[3] ?? 10000) * rnd.int(1, 12) * (0.8 + rnd.next() * 0.4) * 100) / 100;
    const id = `opp-${i}`;
    opportunities.push({
      external_id: id,
      owner: customer.owner,
      refs: { customer_id: customer.id, product_id: `prod-${product?.[1] ?? 'AX1'}` },
      values: {
        name: `${product?.[0] ?? 'Deal'} for customer ${customer.id.slice(5)}`,
        amount: amount.toFixed(2),
        stage,
        close_date: isoDate(close),
        probability: STAGE_PROBABILITY[stage],
        source: rnd.pick(['inbound', 'outbound', 'partner', 'referral']),
        next_step: closed ? null : rnd.pick(['Send proposal', 'Schedule demo', 'Negotiate terms', 'Technical review', 'Visit site']),
      },
    });
    if (stage === 'closed_won') won.push({ id, customer: customer.id, owner: customer.owner, date: close, amount, product: productIndex });
  }

  const orders: SeedRecord[] = [];
  const lines: SeedRecord[] = [];
  for (let i = 1; i <= size.orders; i++) {
    const fromWon = won.length > 0 && rnd.next() < 0.7 ? rnd.pick(won) : undefined;
    const customer = fromWon ? { id: fromWon.customer, owner: fromWon.owner } : rnd.pick(customerOwner);
    const date = fromWon ? addDays(fromWon.date, rnd.int(0, 20)) : addDays(today, -rnd.int(0, 730));
    const orderDate = date > today ? today : date;
    const age = (today.getTime() - orderDate.getTime()) / 86_400_000;
    const status =
      age > 60
        ? rnd.weighted([
            ['paid', 85],
            ['refunded', 4],
            ['cancelled', 4],
            ['invoiced', 7],
          ] as const)
        : rnd.weighted([
            ['booked', 35],
            ['invoiced', 35],
            ['paid', 25],
            ['draft', 5],
          ] as const);
    const id = `ord-${i}`;
    let total = 0;
    const lineCount = rnd.int(1, 3);
    for (let l = 1; l <= lineCount; l++) {
      const p = PRODUCTS[l === 1 && fromWon ? fromWon.product : rnd.int(0, PRODUCTS.length - 1)];
      const qty = rnd.int(1, p && p[3] < 5000 ? 40 : 4);
      const discount = rnd.pick([0, 0, 0.05, 0.1, 0.15]);
      const price = p?.[3] ?? 1000;
      const amount = Math.round(qty * price * (1 - discount) * 100) / 100;
      total += amount;
      lines.push({
        external_id: `${id}-l${l}`,
        owner: customer.owner,
        refs: { order_id: id, product_id: `prod-${p?.[1] ?? 'AX1'}` },
        values: { quantity: String(qty), unit_price: price.toFixed(2), discount: String(discount), amount: amount.toFixed(2) },
      });
    }
    orders.push({
      external_id: id,
      owner: customer.owner,
      refs: { customer_id: customer.id, ...(fromWon ? { opportunity_id: fromWon.id } : {}) },
      values: {
        order_number: `SO-${String(100000 + i)}`,
        order_date: isoDate(orderDate),
        status,
        amount: total.toFixed(2),
        currency: 'CNY',
        paid_date: status === 'paid' ? isoDate(addDays(orderDate, Math.min(rnd.int(10, 75), Math.max(0, Math.floor(age))))) : null,
      },
    });
  }

  const splits = splitOrder(orders, users);

  const visits: SeedRecord[] = [];
  for (let i = 1; i <= size.visits; i++) {
    const customer = rnd.pick(customerOwner);
    const start = addDays(today, -rnd.int(0, 365));
    start.setUTCHours(rnd.int(1, 9), rnd.pick([0, 15, 30, 45]), 0, 0);
    const end = new Date(start.getTime() + rnd.int(20, 150) * 60_000);
    const lat = 22 + rnd.next() * 18;
    const lng = 110 + rnd.next() * 12;
    visits.push({
      external_id: `visit-${i}`,
      owner: customer.owner,
      refs: { customer_id: customer.id, contact_id: rnd.pick(customer.contacts) },
      values: {
        purpose: rnd.pick(['prospecting', 'follow_up', 'delivery', 'service', 'collection']),
        check_in_at: start.toISOString(),
        check_out_at: end.toISOString(),
        check_in_lat: lat.toFixed(6),
        check_in_lng: lng.toFixed(6),
        check_out_lat: (lat + 0.0004).toFixed(6),
        check_out_lng: (lng - 0.0003).toFixed(6),
        address: `Customer site ${customer.id}`,
        outcome: rnd.weighted([
          ['positive', 5],
          ['neutral', 4],
          ['negative', 1],
        ] as const),
        notes: rnd.pick(['Demoed the new release.', 'Discussed renewal pricing.', 'Met the purchasing team.', 'Collected feedback on delivery.', 'Reviewed open invoices.']),
      },
    });
  }

  const activities: SeedRecord[] = [];
  for (let i = 1; i <= size.activities; i++) {
    const customer = rnd.pick(customerOwner);
    const kind = rnd.weighted([
      ['call', 5],
      ['email', 4],
      ['meeting', 2],
      ['note', 1],
    ] as const);
    const when = addDays(today, -rnd.int(0, 365));
    when.setUTCHours(rnd.int(0, 10), rnd.int(0, 59), 0, 0);
    activities.push({
      external_id: `act-${i}`,
      owner: customer.owner,
      refs: { customer_id: customer.id, contact_id: rnd.pick(customer.contacts) },
      values: {
        subject: `${kind === 'call' ? 'Call' : kind === 'email' ? 'Email' : kind === 'meeting' ? 'Meeting' : 'Note'}: ${rnd.pick(['pricing', 'renewal', 'demo follow-up', 'delivery date', 'contract terms', 'new requirement'])}`,
        kind,
        occurred_at: when.toISOString(),
        duration_minutes: kind === 'note' || kind === 'email' ? null : rnd.int(5, 90),
      },
    });
  }

  return {
    people,
    batches: [
      // Parents before children: one batch per level of the tree.
      ...[0, 1, 2].map((level) => ({
        object: 'org_unit',
        records: orgUnits.filter((u) => u.values.level === level).map(({ refs, ...r }): SeedRecord => ({ ...r, refs: refs?.parent_id ? { parent_id: refs.parent_id } : {} })),
      })),
      { object: 'user', records: users },
      {
        object: 'org_unit',
        records: orgUnits.filter((u) => u.refs?.head_id).map((u) => ({ external_id: u.external_id, refs: { head_id: u.refs?.head_id ?? '' }, values: {} })),
        afterInsert: 'link_org',
      },
      { object: 'product', records: products },
      { object: 'customer', records: customers },
      { object: 'contact', records: contacts },
      { object: 'opportunity', records: opportunities },
      { object: 'order', records: orders },
      { object: 'order_line', records: lines },
      { object: 'order_split', records: splits },
      { object: 'visit', records: visits },
      { object: 'activity', records: activities },
    ],
  };
}

/**
 * One order shared 60/40 between its owner and a teammate: the most recently paid one, so it shows
 * on this or last month's statements (the demo plan pays on payment). No random draw: the rest of
 * the data stays as it was.
 */
function splitOrder(orders: SeedRecord[], users: SeedRecord[]): SeedRecord[] {
  const teamOf = new Map(users.map((u) => [u.external_id, u.refs?.org_unit_id]));
  const paid = orders
    .filter((o) => o.values.status === 'paid' && typeof o.values.paid_date === 'string')
    .sort((a, b) => String(b.values.paid_date).localeCompare(String(a.values.paid_date)) || a.external_id.localeCompare(b.external_id));
  for (const order of paid) {
    const owner = order.owner;
    const mate = users.find((u) => u.external_id !== owner && u.values.role === 'rep' && teamOf.get(u.external_id) === teamOf.get(owner ?? ''));
    if (!owner || !mate) continue;
    return [
      { external_id: `${order.external_id}-s1`, owner, refs: { order_id: order.external_id, payee_id: owner }, values: { pct: '60' } },
      { external_id: `${order.external_id}-s2`, owner, refs: { order_id: order.external_id, payee_id: mate.external_id }, values: { pct: '40' } },
    ];
  }
  return [];
}
