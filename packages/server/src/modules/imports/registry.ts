// The import kinds, by name: one small file each under kinds/.
import type { ImportKind } from './kind.ts';
import { assignmentsKind } from './kinds/assignments.ts';
import { orgKind } from './kinds/org.ts';
import { ratesKind } from './kinds/rates.ts';
import { targetsKind } from './kinds/targets.ts';
import { territoriesKind } from './kinds/territories.ts';

export const importKinds: readonly ImportKind[] = [ratesKind, targetsKind, assignmentsKind, territoriesKind, orgKind];

export const importKind = (name: string): ImportKind | undefined => importKinds.find((k) => k.name === name);
