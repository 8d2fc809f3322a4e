// SCIM clients (Okta, Entra ID, Feishu) read errors in RFC 7644 §3.12's shape; Attain's own error
// (code, message, field details) is kept beside it, so one translation owns every SCIM failure.
import type { FastifyInstance } from 'fastify';
import { ApiError, toErrorResponse, type ErrorDetail } from '../http/errors.ts';

export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** RFC 7644 Table 9 `scimType` values we use. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

/** A client error with its SCIM type; status 400 unless told. */
export class ScimError extends ApiError {
  readonly scimType: ScimType | undefined;
  constructor(status: number, scimType: ScimType | undefined, message: string, details: ErrorDetail[] = []) {
    super(status, scimType ? `scim_${scimType}` : 'scim_error', message, details);
    this.scimType = scimType;
  }
}

export const invalidValue = (path: string, rule: string, message: string) => new ScimError(400, 'invalidValue', message, [{ path, rule, message }]);

// Attain's stable codes, as the SCIM type a provisioning client acts on.
const TYPE_OF_CODE: Record<string, ScimType> = {
  conflict: 'uniqueness',
  validation_failed: 'invalidValue',
  invalid_filter: 'invalidFilter',
  invalid_json: 'invalidSyntax',
  invalid_body: 'invalidSyntax',
  forbidden_key: 'invalidSyntax',
  invalid_input: 'invalidValue',
  unknown_reference: 'invalidValue',
};

/** Answers every error of the SCIM routes (authentication included) as a SCIM error. */
export function useScimErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status: attainStatus, body } = toErrorResponse(error, request.id);
    if (attainStatus >= 500) request.log.error({ err: error }, 'scim request failed');
    // SCIM has no 422: a value the records service refuses is the client's 400 invalidValue.
    const status = attainStatus === 422 ? 400 : attainStatus;
    const scimType = error instanceof ScimError ? error.scimType : TYPE_OF_CODE[body.error.code];
    const fields = body.error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
    reply
      .status(status)
      .header('content-type', SCIM_CONTENT_TYPE)
      .send({
        schemas: [SCIM_ERROR],
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail: fields ? `${body.error.message} (${fields})` : body.error.message,
        error: body.error,
      });
  });
}
