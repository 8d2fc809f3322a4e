import { describe, expect, it } from 'vitest';
import { Registry, type ObjectDef } from '@attain/meta';
import { objectPermission, teamOwnerIds } from '../src/index.ts';
import { isAdmin, readableObjects } from '../src/rbac/permissions.ts';
import { baseDocs } from './fixtures/metadata.ts';

const registry = Registry.fromDocuments(baseDocs());
const obj = (name: string) => registry.object(name) as ObjectDef;

describe('role resolution', () => {
  it('gives admins everything on every object', () => {
    const p = objectPermission(registry.role('admin'), obj('deal'));
    expect([...p.actions].sort()).toEqual(['approve', 'create', 'delete', 'export', 'read', 'update']);
    expect(p.scope).toBe('all');
    expect(isAdmin(registry.role('admin'))).toBe(true);
    expect(isAdmin(registry.role('rep'))).toBe(false);
  });

  it('applies object entries with their scope and field security', () => {
    const p = objectPermission(registry.role('rep'), obj('deal'));
    expect([...p.actions].sort()).toEqual(['create', 'read', 'update']);
    expect(p.scope).toBe('own');
    expect([...p.hiddenFields]).toEqual(['margin']);
    expect([...p.readOnlyFields]).toEqual(['stage']);
  });

  it('uses * entries when nothing names the object, and ignores scope on unowned objects', () => {
    const fin = objectPermission(registry.role('finance'), obj('deal'));
    expect([...fin.actions].sort()).toEqual(['export', 'read']);
    expect(objectPermission(registry.role('rep'), obj('user')).scope).toBe('all');
    expect(objectPermission(registry.role('rep'), obj('org_unit')).actions.size).toBe(0);
    expect(objectPermission(undefined, obj('deal')).actions.size).toBe(0);
    expect(
      readableObjects(registry, registry.role('rep'))
        .map((o) => o.name)
        .sort(),
    ).toEqual(['customer', 'deal', 'user']);
  });

  it('merges several entries: widest scope, fields hidden only if every entry hides them', () => {
    const r = Registry.fromDocuments([
      ...baseDocs().filter((d) => (d as { kind: string }).kind === 'object'),
      {
        kind: 'role',
        id: 'r_mix',
        name: 'mix',
        label: { en: 'Mix' },
        permissions: [
          { object: 'deal', actions: ['read'], scope: 'own', hiddenFields: ['margin', 'notes'] },
          { object: 'deal', actions: ['update'], scope: 'team', hiddenFields: ['margin'] },
          { object: '*', actions: ['read'], hiddenFields: ['name'] },
        ],
      },
    ]);
    const p = objectPermission(r.role('mix'), r.object('deal') as ObjectDef);
    expect([...p.actions].sort()).toEqual(['read', 'update']);
    expect(p.scope).toBe('team');
    expect([...p.hiddenFields]).toEqual(['margin']);
    const c = objectPermission(r.role('mix'), r.object('customer') as ObjectDef);
    expect(c.scope).toBe('own');
    expect([...c.hiddenFields]).toEqual(['name']);
  });
});

describe('team scope', () => {
  const orgUnits = [
    { id: 'root', parent_id: null },
    { id: 'east', parent_id: 'root' },
    { id: 'east-1', parent_id: 'east' },
    { id: 'west', parent_id: 'root' },
    { id: 'loop-a', parent_id: 'loop-b' },
    { id: 'loop-b', parent_id: 'loop-a' },
  ];
  const users = [
    { id: 'ceo', org_unit_id: 'root' },
    { id: 'east-mgr', org_unit_id: 'east', manager_id: 'ceo' },
    { id: 'east-rep', org_unit_id: 'east-1', manager_id: 'east-mgr' },
    { id: 'west-mgr', org_unit_id: 'west', manager_id: 'ceo' },
    { id: 'west-rep', org_unit_id: 'west', manager_id: 'west-mgr' },
    { id: 'dotted', org_unit_id: 'west', manager_id: 'east-mgr' },
    { id: 'cyc1', org_unit_id: 'loop-a', manager_id: 'cyc2' },
    { id: 'cyc2', org_unit_id: 'loop-b', manager_id: 'cyc1' },
  ];

  it('covers the org subtree and the reporting line', () => {
    expect(teamOwnerIds('east-mgr', users, orgUnits)).toEqual(['dotted', 'east-mgr', 'east-rep']);
    expect(teamOwnerIds('east-rep', users, orgUnits)).toEqual(['east-rep']);
    expect(teamOwnerIds('ceo', users, orgUnits)).toHaveLength(6);
  });

  it('survives cycles and unknown users', () => {
    expect(teamOwnerIds('cyc1', users, orgUnits)).toEqual(['cyc1', 'cyc2']);
    expect(teamOwnerIds('ghost', users, orgUnits)).toEqual(['ghost']);
  });
});
