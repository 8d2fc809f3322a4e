import { objectKind, roleKind } from './core.ts';
import { kpiKind, targetPlanKind } from './goals.ts';
import { incentivePlanKind } from './incentives.ts';
import { MetaKindCatalogue } from './kind.ts';
import { approvalFlowKind, automationKind } from './workflow.ts';

export { MetaKindCatalogue, type MetaDocBase, type MetaKindDefinition, type ModuleDoc } from './kind.ts';
export { objectKind, roleKind, kpiKind, targetPlanKind, incentivePlanKind, approvalFlowKind, automationKind };

/**
 * The process's metadata kinds. The kinds whose types are generated into meta (one source for the
 * document types every package reads) ship with it, so a bare registry — a test, the studio's
 * checks — knows them; their modules still list them, and modules add their own kinds here.
 */
export const metaKinds = new MetaKindCatalogue();
for (const def of [objectKind, roleKind, kpiKind, targetPlanKind, incentivePlanKind, approvalFlowKind, automationKind]) metaKinds.ship(def);
