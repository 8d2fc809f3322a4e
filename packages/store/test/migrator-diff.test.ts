import { describe, expect, it } from 'vitest';
import { Registry } from '@attain/meta';
import { classify } from '../src/migrator/classify.ts';
import { diffSchemas } from '../src/migrator/diff.ts';
import { planMigration } from '../src/migrator/planner.ts';
import { emptyPhysical, physicalFromRegistry } from '../src/migrator/physical.ts';
import { registrySnapshot } from '../src/migrator/snapshot.ts';
import type { PhysicalState } from '../src/types.ts';
import { baseDocs, clone, dealDoc, props } from './fixtures.ts';

type Doc = Record<string, unknown>;

function registry(docs: Doc[], revision = 1): Registry {
  const r = Registry.tryFromDocuments(docs, revision);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.registry;
}

/** The diff from `from` (applied, physical state matching) to `to`, as plain data. */
function diff(from: Doc[], to: Doc[], purge: string[] = [], physical?: PhysicalState) {
  const current = registry(from, 1);
  const state = physical ?? physicalFromRegistry(current);
  return diffSchemas({ current, physical: state, next: registry(to, 2), catalog: registrySnapshot(current, state), purge });
}

const kinds = (d: ReturnType<typeof diff>) => d.changes.map((c) => c.kind);

describe('schema diff as data', () => {
  it('lists a fresh schema as new objects, indexes and links, and its next state is the registry', () => {
    const d = diffSchemas({ current: registry([], 0), physical: emptyPhysical(), next: registry(baseDocs()), catalog: registrySnapshot(registry([], 0), emptyPhysical()) });
    expect(kinds(d).filter((k) => k === 'create_object')).toHaveLength(3);
    expect(kinds(d)).toContain('add_index');
    expect(kinds(d)).toContain('add_foreign_key');
    expect(d.next).toEqual(physicalFromRegistry(registry(baseDocs())));
    // Plain data: it survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(d.changes))).toEqual(d.changes);
  });

  it('is pure: the same input gives the same changes and the physical state is not touched', () => {
    const next = baseDocs();
    delete props(next[2] as Doc).note;
    const physical = physicalFromRegistry(registry(baseDocs()));
    const before = clone(physical);
    const a = diff(baseDocs(), next, [], physical);
    const b = diff(baseDocs(), next, [], physical);
    expect(a).toEqual(b);
    expect(physical).toEqual(before);
  });

  it('renames by id: a field under a new name is a rename, not a drop and an add', () => {
    const next = baseDocs();
    const deal = props(next[2] as Doc);
    deal.memo = deal.note as Record<string, unknown>;
    delete deal.note;
    const d = diff(baseDocs(), next);
    expect(d.changes).toEqual([
      expect.objectContaining({
        kind: 'rename_field',
        object: { id: 'obj.deal', name: 'deal' },
        field: { id: 'deal.note', name: 'memo' },
        fromName: 'note',
        fromColumn: 'note',
        toColumn: 'memo',
        announce: true,
      }),
    ]);
    expect(d.next.objects['obj.deal']?.fields['deal.note']?.column).toBe('memo');
  });

  it('hides a removed field, purges it when asked by id, and parks a hidden column a new field needs', () => {
    const next = baseDocs();
    delete props(next[2] as Doc).note;
    const hidden = diff(baseDocs(), next);
    expect(hidden.changes).toEqual([expect.objectContaining({ kind: 'hide_field', column: 'note', announce: true })]);
    expect(hidden.next.objects['obj.deal']?.fields['deal.note']?.hidden).toBe(true);

    const purged = diff(baseDocs(), next, ['deal.note']);
    expect(kinds(purged)).toEqual(['purge_field']);
    expect(purged.next.objects['obj.deal']?.fields['deal.note']).toBeUndefined();

    // A new field (new id) takes the hidden column's name: the old column is parked, not announced again.
    const again = clone(next);
    props(again[2] as Doc).note = { type: 'string', 'x-attain': { id: 'deal.note2' } };
    const parked = diff(next, again, [], hidden.next);
    expect(parked.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'add_field' }), expect.objectContaining({ kind: 'hide_field', announce: false, parkAs: expect.stringMatching(/^attain_h_/) })]),
    );
  });

  it('carries type changes with their verdict data and label-only edits as document updates', () => {
    const next = baseDocs();
    props(next[2] as Doc).note = { type: 'string', maxLength: 50, 'x-attain': { id: 'deal.note' } };
    (next[1] as Doc).label = { en: 'Customer' };
    const d = diff(baseDocs(), next);
    expect(d.changes).toEqual([
      expect.objectContaining({ kind: 'change_type', from: 'varchar(200)', to: 'varchar(50)', change: expect.objectContaining({ kind: 'unsafe' }) }),
      { kind: 'update_document', doc: { id: 'obj.account', name: 'account' }, docKind: 'object' },
    ]);
  });
});

describe('classifier', () => {
  const current = registry(baseDocs());
  const snapshot = registrySnapshot(current, physicalFromRegistry(current));

  it('refuses retargeted references and lone purges of hidden objects; lets safe changes through', async () => {
    const next = baseDocs();
    (props(next[2] as Doc).account_id as { 'x-attain': { ref: { object: string } } })['x-attain'].ref.object = 'user';
    const d = diff(baseDocs(), next);
    const retarget = d.changes.find((c) => c.kind === 'change_ref');
    expect(retarget).toBeDefined();
    expect(await classify(retarget!, snapshot, {})).toEqual({ safe: false, reason: expect.stringContaining('add a new field instead') });
    expect(await classify({ kind: 'purge_field_of_hidden_object', object: { id: 'obj.deal', name: 'deal' }, fieldId: 'deal.note' }, snapshot, {})).toMatchObject({ safe: false });
    expect(await classify({ kind: 'restore_object', object: { id: 'obj.deal', name: 'deal' } }, snapshot, {})).toEqual({ safe: true });
  });

  it('needs a valid backfill to make a field with empty rows required', async () => {
    const withNulls = { ...snapshot, hasNulls: async () => true };
    const deal = registry([dealDoc(), ...baseDocs().slice(0, 2)]).object('deal')!;
    const field = deal.fields.find((f) => f.name === 'stage')!;
    const change = { kind: 'set_required' as const, object: { id: deal.id, name: deal.name }, field, table: 'deal', beforeTable: 'deal', column: 'stage' };
    expect(await classify(change, withNulls, {})).toMatchObject({ safe: false, reason: expect.stringContaining('give a backfill value') });
    expect(await classify(change, withNulls, { backfill: { 'deal.stage': 'won' } })).toEqual({ safe: true, backfill: { value: 'won' } });
    expect(await classify(change, withNulls, { backfill: { 'deal.stage': 'maybe' } })).toMatchObject({ safe: false, backfill: { value: null } });
  });
});

describe('planner over a filled table (no database: the snapshot answers)', () => {
  const current = registry(baseDocs());
  const physical = physicalFromRegistry(current);
  const filled = { ...registrySnapshot(current, physical), hasRows: async () => true };
  const next = baseDocs();
  props(next[2] as Doc).region = { type: 'string', 'x-attain': { id: 'deal.region' } };
  ((next[2] as Doc).schema as { required: string[] }).required.push('region');
  const plan = (backfill?: Record<string, unknown>) => planMigration({ schema: 't_x', current, physical, next: registry(next, 2), snapshot: filled, opts: backfill ? { backfill } : {} });

  it('refuses a required field on a table with rows, with no DDL, until a backfill confirms it', async () => {
    const refused = await plan();
    expect(refused.steps).toEqual([expect.objectContaining({ kind: 'add_column', safe: false, reason: expect.stringContaining('give a default or a backfill value for field id "deal.region"') })]);
    expect(refused.actions).toEqual([]);
    const confirmed = await plan({ 'deal.region': 'north' });
    expect(confirmed.steps).toEqual([
      expect.objectContaining({ kind: 'add_column', safe: true, message: 'add_column_backfill', sentence: expect.stringContaining('filling existing rows with the backfill value') }),
    ]);
    // Add the column, fill it, then make it NOT NULL: three actions in that order.
    expect(confirmed.actions.map((a) => a.phase)).toEqual([4.3, 4.35, 4.36]);
  });

  it('refuses a purge of one field of a hidden object', async () => {
    const hidden = diffSchemas({ current, physical, next: registry(baseDocs().slice(0, 2), 2), catalog: registrySnapshot(current, physical) }).next;
    const gone = registry(baseDocs().slice(0, 2), 2);
    const planned = await planMigration({ schema: 't_x', current: gone, physical: hidden, next: gone, snapshot: registrySnapshot(gone, hidden), opts: { purge: ['deal.note'] } });
    expect(planned.steps).toEqual([expect.objectContaining({ kind: 'purge_field', message: 'purge_field_of_hidden_object', safe: false, reason: 'purge the whole object by its id instead' })]);
  });
});
