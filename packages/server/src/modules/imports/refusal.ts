import { AttainError } from '@attain/meta/errors';
import type { ErrorDetail } from '../../http/errors.ts';

/** A kind's check refusing rows, each detail naming its row as `/rows/<line>/<field>`. */
export class ImportRefusal extends AttainError {
  constructor(details: ErrorDetail[], message = 'some rows were refused') {
    super(422, 'import_rows_refused', message, details);
  }
}
