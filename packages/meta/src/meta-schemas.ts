import commonSchema from '../schemas/common.schema.json' with { type: 'json' };
import objectSchema from '../schemas/object.schema.json' with { type: 'json' };
import roleSchema from '../schemas/role.schema.json' with { type: 'json' };
import approvalFlowSchema from '../schemas/approval-flow.schema.json' with { type: 'json' };
import automationSchema from '../schemas/automation.schema.json' with { type: 'json' };
import kpiSchema from '../schemas/kpi.schema.json' with { type: 'json' };
import targetPlanSchema from '../schemas/target-plan.schema.json' with { type: 'json' };
import incentivePlanSchema from '../schemas/incentive-plan.schema.json' with { type: 'json' };

/** The platform's own meta-schemas, one per metadata kind; tenant JSON is checked against these. */
export const META_SCHEMAS = { common: commonSchema, object: objectSchema, role: roleSchema, kpi: kpiSchema, target_plan: targetPlanSchema, approval_flow: approvalFlowSchema, automation: automationSchema, incentive_plan: incentivePlanSchema } as const;
export const METADATA_KINDS = ['object', 'role', 'kpi', 'target_plan', 'approval_flow', 'automation', 'incentive_plan'] as const;
