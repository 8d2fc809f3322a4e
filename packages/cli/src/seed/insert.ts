import type { Registry } from '@attain/meta';
import type { Actor, RecordService } from '@attain/store';
import type { SeedRecord } from './demo-data.ts';

const CHUNK = 500;

/** Resolves seed references (by external id) to record ids as batches are inserted in order. */
export class SeedInserter {
  private readonly ids = new Map<string, string>();
  private readonly records: RecordService;
  private readonly registry: Registry;
  private readonly actor: Actor;

  constructor(records: RecordService, registry: Registry, actor: Actor) {
    this.records = records;
    this.registry = registry;
    this.actor = actor;
  }

  idOf(object: string, externalId: string): string | undefined {
    return this.ids.get(`${object}:${externalId}`);
  }

  /** Inserts in passes so that records referring to others of the same batch (a manager) wait for them. */
  async upsert(object: string, seeds: SeedRecord[]): Promise<number> {
    let written = 0;
    let pending = seeds;
    while (pending.length > 0) {
      const ready = pending.filter((seed) => this.resolvable(object, seed));
      if (ready.length === 0) throw new Error(`seed: ${object} ${pending[0]?.external_id} refers to a record that is never inserted`);
      written += await this.upsertReady(object, ready);
      const done = new Set(ready);
      pending = pending.filter((seed) => !done.has(seed));
    }
    return written;
  }

  private resolvable(object: string, seed: SeedRecord): boolean {
    if (seed.owner && !this.idOf('user', seed.owner)) return false;
    return Object.entries(seed.refs ?? {}).every(([field, externalId]) => {
      const target = this.registry.field(object, field)?.ref?.object;
      return target !== undefined && this.idOf(target, externalId) !== undefined;
    });
  }

  private async upsertReady(object: string, seeds: SeedRecord[]): Promise<number> {
    let written = 0;
    for (let i = 0; i < seeds.length; i += CHUNK) {
      const rows = seeds.slice(i, i + CHUNK).map((seed) => this.row(object, seed));
      const result = await this.records.upsert(object, rows, this.actor);
      for (const rec of result.records) {
        if (typeof rec.external_id === 'string') this.ids.set(`${object}:${rec.external_id}`, rec.id);
      }
      written += result.created + result.updated;
    }
    return written;
  }

  /** Second pass for references that point forward (an org unit's head is a user inserted later). */
  async link(object: string, seeds: SeedRecord[]): Promise<void> {
    for (const seed of seeds) {
      const id = this.idOf(object, seed.external_id);
      if (!id) throw new Error(`seed: ${object} ${seed.external_id} was not inserted`);
      await this.records.update(object, id, this.resolveRefs(object, seed), this.actor);
    }
  }

  private row(object: string, seed: SeedRecord): Record<string, unknown> & { external_id: string } {
    const row: Record<string, unknown> & { external_id: string } = { ...seed.values, ...this.resolveRefs(object, seed), external_id: seed.external_id };
    if (seed.owner) row.owner_id = this.required('user', seed.owner);
    return row;
  }

  private resolveRefs(object: string, seed: SeedRecord): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [field, externalId] of Object.entries(seed.refs ?? {})) {
      const target = this.registry.field(object, field)?.ref?.object;
      if (!target) throw new Error(`seed: ${object}.${field} is not a reference`);
      out[field] = this.required(target, externalId);
    }
    return out;
  }

  private required(object: string, externalId: string): string {
    const id = this.idOf(object, externalId);
    if (!id) throw new Error(`seed: ${object} ${externalId} is referenced before it is inserted`);
    return id;
  }
}
