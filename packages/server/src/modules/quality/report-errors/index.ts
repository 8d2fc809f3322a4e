// The error sources of the data health report, in the order the report lists them. A new source
// is one file exporting an `ErrorSource` and one line here.
import { workflowFor } from '@attain/workflow';
import type { Store } from '../../../store-port.ts';
import { dataImportsSource } from './data-imports.ts';
import { deadLettersSource } from './dead-letters.ts';
import { failedJobsSource } from './failed-jobs.ts';
import { inboundEventsSource } from './inbound-events.ts';
import { pluginJobsSource } from './plugin-jobs.ts';
import type { ErrorSection, ErrorSource } from './source.ts';
import { workflowRunsSource } from './workflow-runs.ts';

export const ERROR_SOURCES: readonly ErrorSource[] = [dataImportsSource, inboundEventsSource, deadLettersSource, failedJobsSource, workflowRunsSource, pluginJobsSource];

export async function errorSections(store: Store, tenant: string, from: Date, to: Date, sources: readonly ErrorSource[] = ERROR_SOURCES): Promise<ErrorSection[]> {
  const ctx = { store, workflow: workflowFor(store), tenant, from, to };
  const out: ErrorSection[] = [];
  for (const s of sources) {
    const entries = await s.collect(ctx);
    const total = entries.reduce((n, e) => n + e.count, 0);
    out.push({ source: s.id, label: s.label, total, entries });
  }
  return out;
}

export type { ErrorContext, ErrorEntry, ErrorSection, ErrorSource } from './source.ts';
