import { BOOLEAN, nullable, object, STRING } from '../http/route-schema.ts';

// Closed shapes (additionalProperties: false): the test server's response check then fails any
// test in which a credential or another stray field reaches a client.
/** The user as the API shows it (publicUser): never a credential. */
export const PUBLIC_USER = {
  ...object({ id: STRING, name: nullable(STRING), email: nullable(STRING), role: nullable(STRING), org_unit_id: nullable(STRING), manager_id: nullable(STRING), active: nullable(BOOLEAN) }, ['id']),
  additionalProperties: false,
};
