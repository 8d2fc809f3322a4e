/**
 * The kinds shipped with meta (their document types are generated here). The kinds a process
 * accepts are `metaKinds` (kinds/index.ts): these plus every kind a module registers.
 */
export const METADATA_KINDS = ['object', 'role', 'kpi', 'target_plan', 'approval_flow', 'automation', 'incentive_plan'] as const;
