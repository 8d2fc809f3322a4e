export { buildServer, type ServerOptions } from './server.ts';
export { hashPassword, verifyPassword } from './auth/password.ts';
export { newApiToken, hashApiToken } from './auth/tokens.ts';
export { ApiError, toErrorResponse } from './http/errors.ts';
export { objectPermission, type Action, type Scope, type ObjectPermission } from './rbac/permissions.ts';
export { teamOwnerIds } from './rbac/team.ts';
export { openApiDocument } from './openapi/generate.ts';
export { objectForm } from './forms/rjsf.ts';
export { buildGraphQLSchema } from './graphql/schema.ts';
