// Which objects have a funnel, and its stages. An object has one when it has an enum field named
// `stage`; its options, in document order, are the funnel's order; an option marked `won: true`
// is won, one marked `closed: true` (and not won) is lost, every other option is an open stage.
import type { FieldDef, ObjectDef, Registry } from '@attain/meta';

export const STAGE_FIELD = 'stage';

export interface FunnelStages {
  field: FieldDef;
  /** Open stages in funnel order. */
  open: string[];
  won: string[];
  lost: string[];
  /** Open stages then won: the order "reached" counts along (a lost record reached no further). */
  ladder: string[];
}

export function stageField(o: ObjectDef): FieldDef | undefined {
  const f = o.fields.find((x) => x.name === STAGE_FIELD);
  return f && f.storage === 'enum' && (f.enumValues?.length ?? 0) > 0 ? f : undefined;
}

export function funnelStages(o: ObjectDef): FunnelStages | undefined {
  const field = stageField(o);
  if (!field) return undefined;
  const flags = new Map((field.options ?? []).map((opt) => [opt.value, opt]));
  const values = (field.enumValues ?? []).map(String);
  const won = values.filter((v) => flags.get(v)?.won === true);
  const lost = values.filter((v) => flags.get(v)?.closed === true && flags.get(v)?.won !== true);
  const open = values.filter((v) => !won.includes(v) && !lost.includes(v));
  return { field, open, won, lost, ladder: [...open, ...won] };
}

/** The objects of a tenant whose records keep a stage history. */
export function funnelObjects(registry: Registry): ObjectDef[] {
  return registry.objects.filter((o) => stageField(o) !== undefined);
}
