import type { Registry } from '@attain/meta';
import type { ErrorDetail } from './errors.ts';

/**
 * Whole-document checks a module runs at plan time over the next metadata (a plan linter, a
 * flow's formulas, …). The store sits below the modules, so they register here; every problem
 * found refuses the plan, with the document and path named, before anything is applied.
 */
export type DocumentCheck = (registry: Registry) => ErrorDetail[];

export class DocumentChecks {
  private readonly checks = new Map<string, DocumentCheck>();

  register(name: string, check: DocumentCheck): void {
    this.checks.set(name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  run(registry: Registry): ErrorDetail[] {
    const out: ErrorDetail[] = [];
    for (const check of this.checks.values()) out.push(...check(registry));
    return out;
  }
}
