import { toErrorSchema, type CustomValidator, type ErrorTransformer, type RJSFSchema, type RJSFValidationError, type ValidationData, type ValidatorType } from '@rjsf/utils';
import { checkSchema, type Schema, type SchemaIssue } from './schema-check.ts';

// Formats are left to the server (see CheckOptions.formats).
const FORM = { formats: false };

export type IssueMessage = (issue: SchemaIssue) => string;

function toValidationError(issue: SchemaIssue, message: IssueMessage): RJSFValidationError {
  const property = issue.path
    .split('/')
    .filter(Boolean)
    .map((p) => `.${p}`)
    .join('');
  const text = message(issue);
  return { name: issue.rule, property, message: text, params: issue.params, stack: `${property} ${text}`.trim(), schemaPath: '' };
}

/**
 * An rjsf validator backed by the eval-free subset checker; messages come from the studio's
 * translations through `message`.
 */
export function createValidator(message: IssueMessage): ValidatorType<Record<string, unknown>, RJSFSchema> {
  return {
    validateFormData(formData, schema, customValidate?: CustomValidator, transformErrors?: ErrorTransformer, uiSchema?): ValidationData<Record<string, unknown>> {
      let errors = checkSchema(schema as Schema, formData ?? {}, '', FORM).map((i) => toValidationError(i, message));
      if (transformErrors) errors = transformErrors(errors, uiSchema);
      const errorSchema = toErrorSchema<Record<string, unknown>>(errors);
      if (customValidate) {
        // Not used by the studio; supported minimally so the interface is honest.
        return { errors, errorSchema };
      }
      return { errors, errorSchema };
    },
    isValid(schema, formData) {
      return checkSchema(schema as Schema, formData, '', FORM).length === 0;
    },
    rawValidation<Result>(schema: RJSFSchema, formData?: Record<string, unknown>) {
      return { errors: checkSchema(schema as Schema, formData, '', FORM) as Result[] };
    },
  };
}
