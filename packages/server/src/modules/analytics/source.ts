// What a question measures: an object of the tenant's metadata, or a dataset a module contributes
// (`incentives.payout`, see ../datasets.ts). Both read as an ObjectDef; a dataset's rows come from
// its module (scoped there to the caller) and are measured by the store's same report code.
import type { ObjectDef, Registry } from '@attain/meta';
import { aggregateSource, type RecordService } from '@attain/store';
import { ApiError } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Store } from '../../store-port.ts';
import { datasetObject, datasets } from '../datasets.ts';

/** A report reads grouped measures; the records behind a cell (drill-down) only where they are records. */
export type ReportService = Pick<RecordService, 'aggregate'> & Partial<Pick<RecordService, 'list'>>;

/** The object a question names, or the dataset's description as one; undefined when neither exists. */
export function sourceObject(registry: Registry, name: string): ObjectDef | undefined {
  if (!name.includes('.')) return registry.object(name);
  const dataset = datasets.get(name);
  return dataset ? datasetObject(dataset) : undefined;
}

export const isDataset = (name: string): boolean => name.includes('.');

/** The caller's view of a dataset: its module's rows for them, measured like records. */
export async function datasetService(store: Store, access: AccessContext, name: string): Promise<ReportService> {
  const dataset = datasets.get(name);
  if (!dataset) throw new ApiError(404, 'unknown_object', `there is no dataset named "${name.slice(0, 94)}"`);
  const rows = await dataset.rows({ store, access });
  const related = await access.relatedAccess();
  const object = datasetObject(dataset);
  return {
    aggregate: (_name, q) => aggregateSource({ knex: rows.knex, schema: rows.schema, registry: access.registry, access: related }, object, rows.query, q),
  };
}
