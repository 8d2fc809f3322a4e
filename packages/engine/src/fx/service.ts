// The tenant's exchange rates: the one owner of the rates table. Every change is validated whole
// (a file import is all-or-nothing), written in one transaction with an audit entry per rate.
import { randomUUID } from 'node:crypto';
import type { Actor, DataPort, ErrorDetail, Store } from '@attain/store';
import { FxError } from './errors.ts';
import { checkRate, type FxRateInput, type FxRateRow } from './rates.ts';
import { FX_MODULE, FX_TABLE } from './schema.ts';

type Knex = DataPort['knex'];
type Row = Record<string, unknown>;

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const day = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : text(v).slice(0, 10));
const COLS = `id::text as id, from_currency, to_currency, rate::text as rate, effective_from::text as effective_from, created_by, created_at`;

function toRow(r: Row): FxRateRow {
  return {
    id: text(r.id),
    from: text(r.from_currency),
    to: text(r.to_currency),
    rate: text(r.rate),
    effectiveFrom: day(r.effective_from),
    createdBy: r.created_by === null ? null : text(r.created_by),
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : text(r.created_at),
  };
}

/** What a change did: the rates written or removed, and the currencies and first day it affects. */
export interface FxChange {
  rates: FxRateRow[];
  currencies: string[];
  from: string;
}

export class FxRateService {
  readonly store: Store;
  readonly tenant: string;

  constructor(store: Store, tenant: string) {
    this.store = store;
    this.tenant = tenant;
  }

  async ensure(): Promise<DataPort> {
    return this.store.port(this.tenant, FX_MODULE);
  }

  async list(filter: { from?: string; to?: string } = {}): Promise<FxRateRow[]> {
    const h = await this.ensure();
    const q = h.knex
      .withSchema(h.schema)
      .from(FX_TABLE)
      .select(h.knex.raw(COLS))
      .orderBy(['from_currency', 'to_currency', { column: 'effective_from', order: 'desc' }]);
    if (filter.from) q.where('from_currency', filter.from);
    if (filter.to) q.where('to_currency', filter.to);
    return ((await q) as Row[]).map(toRow);
  }

  /** Enters one rate; the same pair and day replaces the rate there (audited as an update). */
  async put(input: unknown, actor: Actor): Promise<FxChange & { created: boolean }> {
    const { rate, details } = checkRate(input);
    if (!rate) throw new FxError(422, 'invalid_rate', `${details.length} rate field(s) are invalid`, details);
    const h = await this.ensure();
    const [written] = await h.knex.transaction(async (trx) => this.write(trx, h, [rate], actor));
    return { ...changeOf([written!.row]), created: written!.created };
  }

  /**
   * Enters every rate of a file or none: each row is checked and a refusal names its row number
   * (as the file counts them: the header is row 1) and field. Two rows for the same pair and day
   * are refused too, since one of them would silently win.
   */
  async importRows(rows: ReadonlyArray<{ row: number; values: Record<string, unknown> }>, actor: Actor): Promise<FxChange & { created: number; updated: number }> {
    const details: ErrorDetail[] = [];
    const good: FxRateInput[] = [];
    const seen = new Map<string, number>();
    for (const { row, values } of rows) {
      const { rate, details: d } = checkRate(values, `/rows/${row}`);
      details.push(...d.map((x) => ({ ...x, message: `row ${row}: ${x.message}` })));
      if (!rate) continue;
      const key = `${rate.from}/${rate.to}/${rate.effectiveFrom}`;
      const first = seen.get(key);
      if (first !== undefined) details.push({ path: `/rows/${row}`, rule: 'unique', message: `row ${row}: repeats the ${rate.from}→${rate.to} rate of ${rate.effectiveFrom} given in row ${first}` });
      else seen.set(key, row);
      good.push(rate);
    }
    if (!rows.length) details.push({ path: '/rows', rule: 'min_items', message: 'the file has no rates below its header' });
    if (details.length) throw new FxError(422, 'import_invalid', `the file was not imported: ${details.length} problem(s)`, details);
    const h = await this.ensure();
    const written = await h.knex.transaction(async (trx) => this.write(trx, h, good, actor));
    const created = written.filter((w) => w.created).length;
    return { ...changeOf(written.map((w) => w.row)), created, updated: written.length - created };
  }

  async remove(id: string, actor: Actor): Promise<FxChange> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new FxError(404, 'not_found', 'there is no such rate');
    const h = await this.ensure();
    const row = await h.knex.transaction(async (trx) => {
      const gone = (
        (await trx
          .withSchema(h.schema)
          .from(FX_TABLE)
          .where('id', id)
          .delete()
          .returning(trx.raw(COLS) as never)) as Row[]
      )[0];
      if (!gone) return undefined;
      const r = toRow(gone);
      await this.audit(trx, h, actor, 'fx.rate.delete', r.id, r, undefined);
      return r;
    });
    if (!row) throw new FxError(404, 'not_found', 'there is no such rate');
    return changeOf([row]);
  }

  private async write(trx: Knex, h: DataPort, rates: readonly FxRateInput[], actor: Actor): Promise<Array<{ row: FxRateRow; created: boolean }>> {
    const out: Array<{ row: FxRateRow; created: boolean }> = [];
    for (const r of rates) {
      const before = (await trx.withSchema(h.schema).from(FX_TABLE).select(trx.raw(COLS)).where({ from_currency: r.from, to_currency: r.to, effective_from: r.effectiveFrom }).forUpdate().first()) as
        | Row
        | undefined;
      const saved = (
        (await trx
          .withSchema(h.schema)
          .into(FX_TABLE)
          .insert({ id: randomUUID(), from_currency: r.from, to_currency: r.to, rate: r.rate, effective_from: r.effectiveFrom, created_by: actor.userId })
          .onConflict(['from_currency', 'to_currency', 'effective_from'])
          .merge({ rate: r.rate, created_by: actor.userId, created_at: trx.fn.now() })
          .returning(trx.raw(COLS) as never)) as Row[]
      )[0]!;
      const row = toRow(saved);
      const prior = before ? toRow(before) : undefined;
      if (!prior || prior.rate !== row.rate) await this.audit(trx, h, actor, prior ? 'fx.rate.update' : 'fx.rate.create', row.id, prior, row);
      out.push({ row, created: !prior });
    }
    return out;
  }

  private async audit(trx: Knex, h: DataPort, actor: Actor, action: string, id: string, before: FxRateRow | undefined, after: FxRateRow | undefined): Promise<void> {
    const pick = (r: FxRateRow | undefined) => (r ? { from: r.from, to: r.to, rate: r.rate, effectiveFrom: r.effectiveFrom } : undefined);
    await h.audit({ actor, action, object: 'fx_rate', recordId: id, before: pick(before), after: pick(after) }, trx);
  }
}

function changeOf(rates: FxRateRow[]): FxChange {
  const currencies = [...new Set(rates.flatMap((r) => [r.from, r.to]))].sort();
  const from = rates.map((r) => r.effectiveFrom).sort()[0] ?? '0001-01-01';
  return { rates, currencies, from };
}
