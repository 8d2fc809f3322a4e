import objectSchema from '../../schemas/object.schema.json' with { type: 'json' };
import roleSchema from '../../schemas/role.schema.json' with { type: 'json' };
import type { MetaKindDefinition } from './kind.ts';

// Objects and roles are the registry's own core: it normalises and cross-checks them itself
// (every SQL identifier and permission comes from them), so their definitions carry only the schema.
export const objectKind: MetaKindDefinition = { kind: 'object', schema: objectSchema };
export const roleKind: MetaKindDefinition = { kind: 'role', schema: roleSchema };
