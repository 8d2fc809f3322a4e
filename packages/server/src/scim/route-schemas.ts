// The shapes of the SCIM routes (OpenAPI, client types, the test-only response check). Bodies are
// `application/scim+json`; the attributes inside a resource are RFC 7643's (schemas.ts and
// users.ts/groups.ts own them), so these describe each body's outer shape.
import { ERROR_SCHEMA, INTEGER, jsonBody, NO_CONTENT, object, OBJECT, arrayOf, STRING, type Schema } from '../http/route-schema.ts';

const SCHEMAS = arrayOf(STRING);

/** A SCIM resource (User, Group, ResourceType, Schema, ServiceProviderConfig). */
const RESOURCE: Schema = object({ schemas: SCHEMAS, id: STRING, meta: OBJECT }, ['schemas']);

/** RFC 7644 §3.4.2 ListResponse. */
const LIST_RESPONSE: Schema = object({ schemas: SCHEMAS, totalResults: INTEGER, startIndex: INTEGER, itemsPerPage: INTEGER, Resources: arrayOf(RESOURCE) }, ['schemas', 'totalResults', 'Resources']);

/** RFC 7644 §3.7.3 BulkResponse: one result per operation run. */
const BULK_RESPONSE: Schema = object({ schemas: SCHEMAS, Operations: arrayOf(object({ method: STRING, bulkId: STRING, status: STRING, location: STRING, response: OBJECT }, ['method', 'status'])) }, [
  'schemas',
  'Operations',
]);

/** RFC 7644 §3.12 error, with Attain's own error (code, message, details) beside it (errors.ts). */
const SCIM_ERROR_BODY: Schema = object({ schemas: SCHEMAS, status: STRING, scimType: STRING, detail: STRING, error: (ERROR_SCHEMA.properties as Record<string, Schema>).error as Schema }, [
  'schemas',
  'status',
  'detail',
  'error',
]);

/** The route's success answers, and the SCIM error for every 4xx and 5xx. */
function scimReplies(success: Record<number, Schema>): Record<string, Schema> {
  return { ...Object.fromEntries(Object.entries(success)), '4xx': SCIM_ERROR_BODY, '5xx': SCIM_ERROR_BODY };
}

// A SCIM body's attributes are checked by the resource's own mapping, which answers SCIM errors.
const SCIM_BODY: Schema = { ...jsonBody({ schemas: SCHEMAS }), description: 'a SCIM resource or PatchOp (application/scim+json)' };

export const SCIM_SCHEMAS = {
  list: { response: scimReplies({ 200: LIST_RESPONSE }) },
  one: { response: scimReplies({ 200: RESOURCE }) },
  create: { body: SCIM_BODY, response: scimReplies({ 201: RESOURCE }) },
  write: { body: SCIM_BODY, response: scimReplies({ 200: RESOURCE }) },
  remove: { response: scimReplies({ 204: NO_CONTENT }) },
  bulk: { body: SCIM_BODY, response: scimReplies({ 200: BULK_RESPONSE }) },
} satisfies Record<string, Schema>;
