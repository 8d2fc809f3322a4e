// The target split: a top number down an org tree (units, then people) and across the months of
// a (fiscal) year. Every cell is an exact integer of units (cents for money), and every level
// sums exactly to its parent: the root's year splits into quarters then months by largest
// remainder, and each node's month splits among its children by largest remainder, so a node's
// year is the sum of its months and a month of a unit is the sum of its children's.
import { apportion, ApportionError } from './apportion.ts';
import { GoalsError, type GoalsIssue } from './errors.ts';

export interface SplitNode {
  id: string;
  kind: 'unit' | 'person';
  label?: string;
  children?: SplitNode[];
  /** Share among siblings in every month; 1 when omitted. */
  weight?: bigint;
  /** Share among siblings per month (12), e.g. days employed or last year's month; wins over `weight`. */
  monthWeights?: bigint[];
}

export interface SplitLock {
  node: string;
  /** A month key of the plan, or omitted for the node's whole-year number. */
  month?: string;
  value: bigint;
}

export interface SplitInput {
  total: bigint;
  /** The 12 month keys of the plan year, in order. */
  months: string[];
  /** Root seasonality over the 12 months; equal when omitted. */
  periodWeights?: bigint[];
  root: SplitNode;
  locks?: SplitLock[];
}

export type SplitCells = Map<string, bigint[]>;

const cellPath = (node: string, month?: string) => `/cells/${node}/${month ?? 'year'}`;

function refuse(message: string, details: GoalsIssue[]): never {
  throw new GoalsError('split_refused', message, details);
}

/** Validates the tree: unique ids (a person in two units at once is refused), no negative weights. */
function indexTree(root: SplitNode, months: number): Map<string, SplitNode> {
  const nodes = new Map<string, SplitNode>();
  const issues: GoalsIssue[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (nodes.has(n.id)) issues.push({ path: `/nodes/${n.id}`, rule: 'duplicate_member', message: `${n.label ?? n.id} appears twice in the org tree (in two units at once)` });
    nodes.set(n.id, n);
    if (n.weight !== undefined && n.weight < 0n) issues.push({ path: `/weights/${n.id}`, rule: 'negative_weight', message: `the weight of ${n.label ?? n.id} is negative` });
    if (n.monthWeights) {
      if (n.monthWeights.length !== months) issues.push({ path: `/weights/${n.id}`, rule: 'length', message: `needs ${months} month weights` });
      n.monthWeights.forEach((w, i) => {
        if (w < 0n) issues.push({ path: `/weights/${n.id}/${i}`, rule: 'negative_weight', message: `the weight of ${n.label ?? n.id} in month ${i + 1} is negative` });
      });
    }
    for (const c of n.children ?? []) stack.push(c);
  }
  if (issues.length) refuse('the org tree or its weights are invalid', issues);
  return nodes;
}

export function splitTargets(input: SplitInput): SplitCells {
  const { months } = input;
  const nodes = indexTree(input.root, months.length);
  const monthIndex = new Map(months.map((m, i) => [m, i]));
  const cellLocks = new Map<string, Map<number, bigint>>();
  const yearLocks = new Map<string, bigint>();
  const bad: GoalsIssue[] = [];
  for (const lock of input.locks ?? []) {
    if (!nodes.has(lock.node)) {
      bad.push({ path: cellPath(lock.node, lock.month), rule: 'unknown_cell', message: `there is no node ${lock.node} in this plan's org tree` });
      continue;
    }
    if (lock.month === undefined) {
      yearLocks.set(lock.node, lock.value);
      continue;
    }
    const i = monthIndex.get(lock.month);
    if (i === undefined) {
      bad.push({ path: cellPath(lock.node, lock.month), rule: 'unknown_cell', message: `${lock.month} is not a month of this plan` });
      continue;
    }
    const row = cellLocks.get(lock.node) ?? new Map<number, bigint>();
    row.set(i, lock.value);
    cellLocks.set(lock.node, row);
  }
  if (bad.length) refuse('some locked cells are not in the plan', bad);
  const rootYear = yearLocks.get(input.root.id);
  if (rootYear !== undefined && rootYear !== input.total) {
    refuse('the top number is the plan total', [{ path: cellPath(input.root.id), rule: 'locks_mismatch', message: 'the whole-year number of the top node is the plan total' }]);
  }

  const cells: SplitCells = new Map();
  cells.set(input.root.id, rootMonths(input, cellLocks.get(input.root.id)));
  const stack = [input.root];
  while (stack.length) {
    const node = stack.pop()!;
    const children = node.children ?? [];
    if (!children.length) continue;
    splitFamily(node, cells.get(node.id)!, children, months, cellLocks, yearLocks, cells);
    for (const c of children) stack.push(c);
  }
  return cells;
}

function rootMonths(input: SplitInput, locks: Map<number, bigint> | undefined): bigint[] {
  const n = input.months.length;
  const weights = input.periodWeights ?? new Array<bigint>(n).fill(1n);
  if (weights.length !== n || weights.some((w) => w < 0n)) {
    refuse('period weights are invalid', [{ path: '/periodWeights', rule: weights.length !== n ? 'length' : 'negative_weight', message: `needs ${n} weights, none negative` }]);
  }
  try {
    if (locks?.size || n !== 12) return apportion(input.total, weights, locks);
    // Year -> quarters -> months, so quarters too are largest-remainder shares of the year.
    const qWeights = [0, 1, 2, 3].map((q) => weights[q * 3]! + weights[q * 3 + 1]! + weights[q * 3 + 2]!);
    const quarters = apportion(input.total, qWeights);
    return quarters.flatMap((qt, q) => apportion(qt, weights.slice(q * 3, q * 3 + 3)));
  } catch (error) {
    if (!(error instanceof ApportionError)) throw error;
    const p = error.problem;
    if (p.rule === 'zero_weights') refuse('every period weight is zero', [{ path: '/periodWeights', rule: 'zero_weights', message: 'at least one month needs a weight above zero' }]);
    return refuse(
      'the locked months do not fit the plan total',
      [...(locks?.keys() ?? [])].map((i) => ({
        path: cellPath(input.root.id, input.months[i]),
        rule: p.rule,
        message: `locked months sum to ${p.rule === 'negative_weight' ? '?' : String(p.locked)} units against a total of ${input.total}`,
      })),
    );
  }
}

function splitFamily(
  parent: SplitNode,
  parentMonths: bigint[],
  children: SplitNode[],
  months: string[],
  cellLocks: Map<string, Map<number, bigint>>,
  yearLocks: Map<string, bigint>,
  cells: SplitCells,
): void {
  const n = months.length;
  // Locked cells per child, including whole-year locks spread over the months below.
  const locked = children.map((c) => new Map(cellLocks.get(c.id) ?? []));
  const parentLabel = parent.label ?? parent.id;
  // Whole-year locks become month locks, spread along the parent's months still unclaimed, so
  // their column sums never exceed the parent.
  children.forEach((child, ci) => {
    const year = yearLocks.get(child.id);
    if (year === undefined) return;
    const own = locked[ci]!;
    const capacity = parentMonths.map((pm, j) => {
      let claimed = 0n;
      locked.forEach((l, k) => {
        if (k !== ci) claimed += l.get(j) ?? 0n;
      });
      const cap = pm - claimed;
      return cap > 0n ? cap : 0n;
    });
    let row: bigint[];
    try {
      row = apportion(year, capacity, own);
    } catch (error) {
      if (!(error instanceof ApportionError)) throw error;
      return refuse(`the locked number of ${child.label ?? child.id} does not fit in ${parentLabel}`, [
        {
          path: cellPath(child.id),
          rule: 'locks_exceed_parent',
          message: `${child.label ?? child.id}'s locked year does not fit in what ${parentLabel} has left after the other locks`,
        },
      ]);
    }
    for (let j = 0; j < n; j++) own.set(j, row[j]!);
  });
  const rows = children.map(() => new Array<bigint>(n).fill(0n));
  for (let j = 0; j < n; j++) {
    const weights = children.map((c) => c.monthWeights?.[j] ?? c.weight ?? 1n);
    const locks = new Map<number, bigint>();
    locked.forEach((l, ci) => {
      const v = l.get(j);
      if (v !== undefined) locks.set(ci, v);
    });
    let part: bigint[];
    try {
      part = apportion(parentMonths[j]!, weights, locks);
    } catch (error) {
      if (!(error instanceof ApportionError)) throw error;
      const p = error.problem;
      if (p.rule === 'zero_weights') {
        return refuse(`no child of ${parentLabel} can carry its ${months[j]} target`, [
          { path: `/weights/${parent.id}/${months[j]}`, rule: 'zero_weights', message: `every child of ${parentLabel} has weight 0 in ${months[j]}` },
        ]);
      }
      const lockedCells = [...locks.keys()].map((ci) => ({
        path: cellPath(children[ci]!.id, yearLocks.has(children[ci]!.id) && !cellLocks.get(children[ci]!.id)?.has(j) ? undefined : months[j]),
        rule: p.rule,
        message:
          p.rule === 'locks_mismatch'
            ? `every child of ${parentLabel} is locked in ${months[j]} and they sum to ${p.rule === 'locks_mismatch' ? String(p.locked) : ''} units, not ${parentMonths[j]}`
            : `locked cells of ${parentLabel} in ${months[j]} sum to ${'locked' in p ? String(p.locked) : ''} units, more than its ${parentMonths[j]}`,
      }));
      return refuse(`locked cells exceed their parent ${parentLabel} in ${months[j]}`, lockedCells);
    }
    part.forEach((v, ci) => (rows[ci]![j] = v));
  }
  children.forEach((c, ci) => cells.set(c.id, rows[ci]!));
}

/** Sums a row of months. */
export function yearTotal(row: readonly bigint[]): bigint {
  let t = 0n;
  for (const v of row) t += v;
  return t;
}

/** The four quarter totals of a 12-month row. */
export function quarterTotals(row: readonly bigint[]): bigint[] {
  return [0, 1, 2, 3].map((q) => row[q * 3]! + row[q * 3 + 1]! + row[q * 3 + 2]!);
}

export interface ReconcileRow {
  node: string;
  topDown: bigint[];
  bottomUp: bigint[];
  /** topDown - bottomUp per month. */
  gap: bigint[];
}

/** Bottom-up entry rolled up the tree next to the top-down split, with the gap per node and month. */
export function reconcile(root: SplitNode, topDown: SplitCells, bottomUp: ReadonlyMap<string, readonly bigint[]>, months: number): ReconcileRow[] {
  const out: ReconcileRow[] = [];
  const walk = (node: SplitNode): bigint[] => {
    const up = new Array<bigint>(months).fill(0n);
    const kids = node.children ?? [];
    if (kids.length) for (const c of kids) walk(c).forEach((v, j) => (up[j] = up[j]! + v));
    else (bottomUp.get(node.id) ?? []).forEach((v, j) => (up[j] = v));
    const td = topDown.get(node.id) ?? new Array<bigint>(months).fill(0n);
    out.push({ node: node.id, topDown: td, bottomUp: up, gap: td.map((v, j) => v - up[j]!) });
    return up;
  };
  walk(root);
  return out.reverse();
}
