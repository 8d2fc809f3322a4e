// Formula integration of the store (issue 3, DESIGN.md §4):
// - Plan time: `metadata.plan/apply` type-check every formula field and validation rule against the
//   next metadata (plan-check.ts); a problem is `metadata_invalid` with the expression's path,
//   rule `formula` (or `formula_type`) and "message (line L, column C) — hint"; nothing is applied.
// - Formula fields read only non-formula fields (of the object, through refs `customer.name`
//   for `customer_id`, and aggregates over inverse relations). Non-stored ones are computed in
//   SQL on every read (read.ts) and can be filtered and sorted on; stored ones have a column,
//   recomputed after every create/update/upsert in the same transaction (write.ts) and for all
//   rows when the formula is added, becomes stored or changes (migrate.ts). Stored formulas that
//   read related records are not refreshed when those records change.
// - Error values (#DIV/0!, #N/A, …) read as null in records (REST, GraphQL, OpenAPI unchanged);
//   the preview reports the code per row.
// - Validation rules must hold: TRUE passes, FALSE fails, NULL passes, an error value fails.
//   Failures are 422 `validation_failed` with `{path: '/<field>', rule: <name>, message}` in
//   `access.locale` (default en); the write is rolled back.
// - A formula field that reads a field hidden from the caller is hidden too.
export { checkFormula, checkFormulaAsReader, fieldsRead, fitsStorage, type ReadableField } from './compiled.ts';
export { describeFormulaError } from './plan-check.ts';
export { evaluateColumns, evaluateInSandbox, type BatchPool, type FormulaValue, type SandboxInput } from './sandbox.ts';
