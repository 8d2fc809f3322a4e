// A formula's preview on a few records: what RecordService.previewFormula takes and answers.
import type { FormulaError, FormulaType } from '@attain/formula';
import type { BatchPool } from './formula/sandbox.ts';
import type { Filter } from './types.ts';

export interface FormulaPreviewOptions {
  limit?: number;
  filter?: Filter;
  /** A rule condition must be true/false. */
  kind?: 'field' | 'rule';
  /** sql (default) or the JS back end in the sandbox (needs `pool`). */
  engine?: 'sql' | 'sandbox';
  pool?: BatchPool;
}

export type FormulaPreviewResult = { ok: true; type: FormulaType; rows: Array<{ id: string; title: string | null; value: unknown; error: string | null }> } | { ok: false; errors: FormulaError[] };
