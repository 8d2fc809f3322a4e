// Calculation arithmetic is the platform's one decimal module (DESIGN §10); this keeps the
// incentive engine's imports short.
export * from '@attain/meta/decimal/fixed';
export type { RoundingMode } from '@attain/meta/decimal';
