/** One problem found in a metadata document, phrased for an admin. */
export interface MetaIssue {
  /** Which document, e.g. `object "deal"` or `file deal.json`. */
  document: string;
  /** JSON pointer inside that document, e.g. `/schema/properties/amount/x-attain/storage`. */
  path: string;
  /** The rule that failed, a stable keyword such as `required`, `pattern`, `unknown_reference`. */
  rule: string;
  message: string;
}

/** Thrown when metadata cannot be accepted; carries every issue found, not just the first. */
export class MetaValidationError extends Error {
  readonly code = 'metadata_invalid';
  readonly issues: MetaIssue[];
  constructor(issues: MetaIssue[]) {
    super(
      issues.length === 1 && issues[0]
        ? `${issues[0].document} ${issues[0].path}: ${issues[0].message}`
        : `${issues.length} problems in the metadata`,
    );
    this.name = 'MetaValidationError';
    this.issues = issues;
  }
}
