import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLFieldConfigMap,
  type GraphQLSchema,
} from 'graphql';
import { cacheKey, LruCache } from '../cache.ts';
import { ApiError, badRequest, toErrorResponse } from '../http/errors.ts';
import { parseClientJson } from '../http/json.ts';
import { assertCleanString } from '../http/text-guard.ts';
import { requireAccess } from '../rest/request-access.ts';
import { POSITION_HEADER, takePosition, waitForPosition } from '../rest/sync-routes.ts';
import type { Store } from '../store-port.ts';
import { createGraphQLContext, type GraphQLContext } from './context.ts';
import { complexityLimit, depthLimit } from './limits.ts';
import { buildGraphQLSchema } from './schema.ts';
import { ANY, arrayOf, ERROR_SCHEMA, jsonBody, nullable, object, OBJECT, query, STRING, type Schema } from '../http/route-schema.ts';

export interface GraphQLOptions {
  /** For `?waitFor=<position>` on /graphql, as on REST reads. */
  store?: Store;
  maxDepth?: number;
  maxComplexity?: number;
  maxTokens?: number;
  /** Query fields the modules add (`graphqlQuery` of the module contract). */
  moduleQuery?: GraphQLFieldConfigMap<unknown, GraphQLContext>;
}

interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** graphql-js's result; a request graphql refuses is answered in that shape too, other refusals in ours. */
const GRAPHQL_RESULT = object({ data: ANY, errors: arrayOf(), extensions: OBJECT });
const GRAPHQL_REPLIES = { 200: GRAPHQL_RESULT, '4xx': { anyOf: [ERROR_SCHEMA, GRAPHQL_RESULT] }, '5xx': ERROR_SCHEMA };
const WAIT_FOR = query({ waitFor: { type: 'string', description: 'A write position to wait for before reading' } });

/** What /graphql answers: graphql's result, plus the position of a mutation that wrote. */
interface GraphQLReply {
  errors?: GraphQLFormattedError[];
  data?: ExecutionResult['data'];
  extensions?: { position: string };
}

function readRequest(request: FastifyRequest): GraphQLRequest {
  const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | null;
  if (!source || typeof source !== 'object') throw badRequest('invalid_body', 'send {"query": "..."}');
  const { query, operationName } = source;
  let variables = source.variables;
  if (typeof query !== 'string' || !query.trim()) throw badRequest('invalid_body', '"query" must be a GraphQL document', [{ path: '/query', rule: 'required', message: 'is required' }]);
  if (typeof variables === 'string') variables = parseClientJson(variables, 'variables');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badRequest('invalid_body', '"variables" must be an object', [{ path: '/variables', rule: 'type', message: 'must be an object' }]);
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') throw badRequest('invalid_body', '"operationName" must be a string');
  return { query, variables: (variables ?? {}) as Record<string, unknown>, ...(operationName ? { operationName } : {}) };
}

function formatError(error: GraphQLError, requestId: string): GraphQLFormattedError {
  const original = error.originalError;
  const base: GraphQLFormattedError = {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
  };
  if (!original || original instanceof GraphQLError) {
    const code = (original as GraphQLError | undefined)?.extensions?.code ?? error.extensions?.code ?? 'graphql_validation_failed';
    return { ...base, ...(original ? { message: original.message } : {}), extensions: { code } };
  }
  const mapped = toErrorResponse(original, requestId);
  return { ...base, message: mapped.body.error.message, extensions: { code: mapped.body.error.code, details: mapped.body.error.details } };
}

/**
 * GraphQL over graphql-js `execute` with a schema per (tenant, revision). Mercurius keeps one
 * schema per fastify instance and cannot switch schemas per request (mercurius issue #913), so
 * it is not used here; the limits it would provide are validation rules below.
 */
export async function graphqlRoutes(app: FastifyInstance, opts: GraphQLOptions = {}): Promise<void> {
  const schemas = new LruCache<GraphQLSchema>(100);
  const maxDepth = opts.maxDepth ?? 8;
  const maxComplexity = opts.maxComplexity ?? 20_000;
  const maxTokens = opts.maxTokens ?? 5000;

  const handler = async (request: FastifyRequest): Promise<{ status: number; result: GraphQLReply }> => {
    const access = requireAccess(request);
    const { query, variables, operationName } = readRequest(request);
    const registry = access.registry;
    // One schema per role: role documents belong to the revision, so (tenant, revision, role) fixes it.
    const role = access.principal.role;
    const schema = schemas.getOrCreate(cacheKey(access.principal.tenant.id, registry.revision, role?.id ?? '-'), () =>
      buildGraphQLSchema(registry, { role, ...(opts.moduleQuery ? { moduleQuery: opts.moduleQuery } : {}) }),
    );
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens });
    } catch (error) {
      throw badRequest('graphql_parse_failed', error instanceof Error ? error.message : 'invalid GraphQL');
    }
    // A `\u0000` escape in a string literal is a NUL once parsed: refused as one in JSON would be.
    visit(document, { StringValue: (node) => assertCleanString(node.value, '/query', `the GraphQL string at ${node.loc?.startToken.line ?? 1}:${node.loc?.startToken.column ?? 1}`) });
    const operation = getOperationAST(document, operationName);
    if (request.method === 'GET' && operation?.operation !== 'query') {
      throw new ApiError(405, 'method_not_allowed', 'mutations must be sent with POST');
    }
    const errors = validate(schema, document, [...specifiedRules, depthLimit(maxDepth), complexityLimit(maxComplexity, variables)]);
    if (errors.length) {
      return { status: 400, result: { errors: errors.map((e) => formatError(e, request.id)) } };
    }
    const result: ExecutionResult = await execute({
      schema,
      document,
      variableValues: variables,
      contextValue: createGraphQLContext(access),
      ...(operationName ? { operationName } : {}),
    });
    for (const e of result.errors ?? []) {
      if (e.originalError && !(e.originalError instanceof GraphQLError) && toErrorResponse(e.originalError, request.id).status >= 500) {
        request.log.error({ err: e.originalError }, 'graphql resolver failed');
      }
    }
    // A mutation that wrote something answers with its position (taken now, after each field's
    // commit), in `extensions.position` and the header, as a REST write does: the client can
    // `GET /api/v1/sync?position=…` or read with `?waitFor=…` to see what the write derived.
    const wrote = operation?.operation === 'mutation' && Object.values(result.data ?? {}).some((v) => v !== null && v !== undefined);
    return {
      status: 200,
      result: {
        ...(result.errors ? { errors: result.errors.map((e) => formatError(e, request.id)) } : {}),
        data: result.data ?? null,
        ...(wrote ? { extensions: { position: takePosition() } } : {}),
      },
    };
  };

  app.post(
    '/graphql',
    { schema: { querystring: WAIT_FOR, body: jsonBody({ query: STRING, variables: nullable(OBJECT), operationName: nullable(STRING) }), response: GRAPHQL_REPLIES } },
    async (request, reply) => {
      if (opts.store) await waitForPosition(opts.store, request, reply);
      const { status, result } = await handler(request);
      // A query sent with POST wrote nothing: no position (the API's write hook does not see this route).
      const position = result.extensions?.position;
      if (position) reply.header(POSITION_HEADER, position);
      return reply.status(status).send(result);
    },
  );
  app.get(
    '/graphql',
    {
      schema: {
        querystring: query({ ...(WAIT_FOR.properties as Record<string, Schema>), query: STRING, variables: { type: 'string', description: 'JSON' }, operationName: STRING }),
        response: GRAPHQL_REPLIES,
      },
    },
    async (request, reply) => {
      if (opts.store) await waitForPosition(opts.store, request, reply);
      const { status, result } = await handler(request);
      return reply.status(status).send(result);
    },
  );
}
