// RFC 7644 §4 discovery: what this service provider supports, its resource types and schemas.
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA, type Json } from './schemas.ts';

export const MAX_RESULTS = 500;
/** Bulk operations per request (the body limit, 1 MiB by default, applies too). */
export const MAX_OPERATIONS = 1000;

export function serviceProviderConfig(base: string): Json {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://attain.dev/docs/scim',
    patch: { supported: true },
    bulk: { supported: true, maxOperations: MAX_OPERATIONS, maxPayloadSize: 1024 * 1024 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'An Attain API token with the scim scope (POST /api/v1/auth/tokens {"scopes":["scim"]})', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string): Json[] {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'An Attain user',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'An Attain org unit',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

type Attr = { name: string; type: string; multiValued?: boolean; required?: boolean; mutability?: string; uniqueness?: string; caseExact?: boolean; subAttributes?: Attr[] };

function attribute(a: Attr): Json {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    required: a.required ?? false,
    caseExact: a.caseExact ?? false,
    mutability: a.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attribute) } : {}),
  };
}

const SCHEMAS: Array<{ id: string; name: string; attributes: Attr[] }> = [
  {
    id: USER_SCHEMA,
    name: 'User',
    attributes: [
      { name: 'userName', type: 'string', required: true, uniqueness: 'server' },
      {
        name: 'name',
        type: 'complex',
        subAttributes: [
          { name: 'formatted', type: 'string' },
          { name: 'givenName', type: 'string' },
          { name: 'familyName', type: 'string' },
        ],
      },
      { name: 'displayName', type: 'string' },
      { name: 'active', type: 'boolean' },
      {
        name: 'emails',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string' },
          { name: 'type', type: 'string' },
          { name: 'primary', type: 'boolean' },
        ],
      },
      {
        name: 'groups',
        type: 'complex',
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [
          { name: 'value', type: 'string', mutability: 'readOnly' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
        ],
      },
    ],
  },
  {
    id: ENTERPRISE_SCHEMA,
    name: 'EnterpriseUser',
    attributes: [
      { name: 'employeeNumber', type: 'string' },
      { name: 'department', type: 'string' },
      {
        name: 'manager',
        type: 'complex',
        subAttributes: [
          { name: 'value', type: 'string' },
          { name: 'displayName', type: 'string', mutability: 'readOnly' },
        ],
      },
    ],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    attributes: [
      { name: 'displayName', type: 'string', required: true },
      {
        name: 'members',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string', mutability: 'immutable' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
        ],
      },
    ],
  },
];

export function schemas(base: string): Json[] {
  return SCHEMAS.map((s) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: s.id,
    name: s.name,
    attributes: s.attributes.map(attribute),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
  }));
}

export function listResponse(resources: Json[], totalResults: number, startIndex: number): Json {
  return { schemas: [LIST_RESPONSE], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
