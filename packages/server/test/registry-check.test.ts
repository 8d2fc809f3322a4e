import { describe, expect, it } from 'vitest';
import { Registry } from '@attain/meta';
import { baseDocs, ticketDoc } from './fixtures/metadata.ts';

describe('test fixtures', () => {
  it('are valid metadata', () => {
    const registry = Registry.fromDocuments([...baseDocs(), ticketDoc]);
    expect(registry.objects.map((o) => o.name).sort()).toEqual(['customer', 'deal', 'org_unit', 'ticket', 'user']);
    expect(registry.roles.map((r) => r.name).sort()).toEqual(['admin', 'finance', 'manager', 'rep']);
  });
});
