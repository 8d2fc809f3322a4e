import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { ApiError, validationDetails } from './errors.ts';

// ajv-formats is CommonJS; under Node's ESM loader its function may sit on `.default`.
type AddFormats = (ajv: Ajv) => unknown;
const addFormats: AddFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;

// Never change what the client sent: no removed properties, no filled-in defaults, no coerced
// types ("5" is not 5). Path and query parameters are text, so their schemas say `string` (with a
// pattern where the text must look like a number or a date) and the route parses them itself.
const ajv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true, removeAdditional: false, useDefaults: false, coerceTypes: false });
addFormats(ajv);

/** Whether a body schema asks for a body at all (a `required` property); an action's optional body may be absent. */
function needsBody(schema: FastifySchema): boolean {
  const required = (schema as { required?: unknown }).required;
  return Array.isArray(required) && required.length > 0;
}

// The codes the routes' own checks have always used for each part of a request.
const CODES: Record<string, { code: string; message: string }> = {
  body: { code: 'invalid_body', message: 'the request body is invalid' },
  querystring: { code: 'invalid_query', message: 'the query string is invalid' },
  params: { code: 'invalid_param', message: 'a path parameter is invalid' },
  headers: { code: 'invalid_header', message: 'a request header is invalid' },
};

/**
 * Request validation for every route: fastify's ajv, configured so validation only accepts or
 * refuses and never rewrites the request. A refusal is a 400 with the code the part's own checks
 * use (`invalid_body`, `invalid_query`, `invalid_param`) and a detail naming the field and the
 * rule, so a rule moving from a handler into the schema keeps its answer.
 */
export function useRequestValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const fixed = route.config?.schemaErrorCode;
    route.schemaErrorFormatter ??= (errors, part) => {
      const { code, message } = CODES[part] ?? { code: 'validation_failed', message: 'the request is invalid' };
      return new ApiError(400, fixed ?? code, fixed ? 'the request is invalid' : message, validationDetails(errors));
    };
  });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate: ValidateFunction = ajv.compile(schema);
    if (httpPart !== 'body') return validate;
    if (needsBody(schema)) return validate;
    // fastify hands an absent body over as null (JSON `null` looks the same); the handler sees it as before.
    const optional = (data: unknown) => data === undefined || data === null || validate(data);
    // fastify reads `.errors` after a refusal; they are the inner validator's.
    Object.defineProperty(optional, 'errors', { get: () => validate.errors });
    return optional;
  });
  // Response schemas document and (in tests) check what a route sends; they never change it.
  // fast-json-stringify would drop properties a schema leaves undeclared and coerce types, so
  // answers are serialised as plain JSON whatever their schema says.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
