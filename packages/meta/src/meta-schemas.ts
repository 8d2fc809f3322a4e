import commonSchema from '../schemas/common.schema.json' with { type: 'json' };
import objectSchema from '../schemas/object.schema.json' with { type: 'json' };
import roleSchema from '../schemas/role.schema.json' with { type: 'json' };

/** The platform's own meta-schemas, one per metadata kind; tenant JSON is checked against these. */
export const META_SCHEMAS = { common: commonSchema, object: objectSchema, role: roleSchema } as const;
export const METADATA_KINDS = ['object', 'role'] as const;
