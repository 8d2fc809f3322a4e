import { describe, expect, it } from 'vitest';
import { approvalFlowKind, automationKind, MetaKindCatalogue, metaKinds, objectKind, Registry, validateAgainstMetaSchema, type MetaKindDefinition } from '../src/index.ts';

const gadget: MetaKindDefinition = {
  kind: 'shop.gadget',
  schema: {
    $id: 'https://attain.dev/test/gadget.schema.json',
    type: 'object',
    required: ['kind', 'id', 'name', 'label'],
    additionalProperties: false,
    properties: { kind: { const: 'shop.gadget' }, id: { type: 'string' }, name: { type: 'string' }, label: { type: 'object' }, object: { type: 'string' } },
  },
  normalize: (doc) => ({ object: 'user', ...doc }),
  crossCheck(registry, issues) {
    for (const d of registry.documentsOfKind('shop.gadget') as unknown as Array<{ name: string; object: string }>) {
      if (!registry.object(d.object)) issues.push({ document: `shop.gadget "${d.name}"`, path: '/object', rule: 'unknown_reference', message: 'no such object' });
    }
  },
};
const doc = { kind: 'shop.gadget', id: 'g.1', name: 'g1', label: { en: 'G' } };

describe('the metadata kind catalogue', () => {
  it('compiles a kind that references another kind first (automation before approval_flow)', () => {
    const fresh = new MetaKindCatalogue();
    fresh.ship(approvalFlowKind);
    fresh.ship(automationKind);
    expect(typeof fresh.validator(automationKind)).toBe('function');
    expect(fresh.names()).toEqual(['approval_flow', 'automation']);
  });

  it('accepts a registered kind, normalises and cross-checks it, and forgets it when released', () => {
    expect(validateAgainstMetaSchema(doc)).toEqual([expect.objectContaining({ path: '/kind', rule: 'enum' })]);
    const release = metaKinds.register(gadget);
    const again = metaKinds.register(gadget);
    try {
      expect(validateAgainstMetaSchema(doc)).toEqual([]);
      expect(validateAgainstMetaSchema({ ...doc, colour: 'red' })).toEqual([expect.objectContaining({ rule: 'additionalProperties' })]);
      const result = Registry.tryFromDocuments([doc]);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ document: 'shop.gadget "g1"', rule: 'unknown_reference' })]);
      release();
      release();
      // Still held once: still known.
      expect(metaKinds.get('shop.gadget')).toBe(gadget);
    } finally {
      again();
    }
    expect(metaKinds.get('shop.gadget')).toBeUndefined();
    // A new definition may reuse the released schema's $id.
    const other = { ...gadget, schema: { ...gadget.schema } };
    metaKinds.register(other)();
  });

  it('refuses a kind name without a module prefix and a second definition of a name', () => {
    expect(() => metaKinds.register({ kind: 'gadget', schema: {} })).toThrow(/<module>\.<kind>/);
    expect(() => metaKinds.register({ ...objectKind })).toThrow(/already defined/);
    // The shipped definition itself is accepted (its module lists it) and never released.
    metaKinds.register(objectKind)();
    expect(metaKinds.get('object')).toBe(objectKind);
  });
});
