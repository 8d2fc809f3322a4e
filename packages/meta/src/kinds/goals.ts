import kpiSchema from '../../schemas/kpi.schema.json' with { type: 'json' };
import targetPlanSchema from '../../schemas/target-plan.schema.json' with { type: 'json' };
import { findField } from '../model.ts';
import type { MetaKindDefinition } from './kind.ts';

/** KPIs measure an object: its date, owner and dimension fields must exist there. */
export const kpiKind: MetaKindDefinition = {
  kind: 'kpi',
  schema: kpiSchema,
  crossCheck(registry, issues) {
    for (const kpi of registry.documentsOf('kpi')) {
      const document = `kpi "${kpi.name}"`;
      const object = registry.object(kpi.object);
      if (!object) {
        issues.push({ document, path: '/object', rule: 'unknown_reference', message: `refers to object "${kpi.object}", which does not exist` });
        continue;
      }
      const date = findField(object, kpi.dateField);
      if (!date || (date.storage !== 'date' && date.storage !== 'datetime')) {
        issues.push({ document, path: '/dateField', rule: 'date_field', message: `must name a date or datetime field of "${object.name}"` });
      }
      const owner = findField(object, kpi.ownerField ?? 'owner_id');
      if (!owner || owner.ref?.object !== 'user') {
        issues.push({ document, path: '/ownerField', rule: 'owner_field', message: `must name a reference to user on "${object.name}"` });
      }
      (kpi.dimensions ?? []).forEach((name, i) => {
        if (!findField(object, name)) issues.push({ document, path: `/dimensions/${i}`, rule: 'unknown_field', message: `names "${name}", which is not a field of "${object.name}"` });
      });
      const m = kpi.measure;
      if ((m.aggregate === 'sum' || m.aggregate === 'avg' || m.aggregate === 'ratio') && !m.value) {
        issues.push({ document, path: '/measure/value', rule: 'required', message: `a ${m.aggregate} measure needs a value formula` });
      }
      if (m.aggregate === 'ratio' && !m.denominator) {
        issues.push({ document, path: '/measure/denominator', rule: 'required', message: 'a ratio measure needs a denominator' });
      }
    }
  },
};

/** Target plans split a KPI's target: the KPI must exist. */
export const targetPlanKind: MetaKindDefinition = {
  kind: 'target_plan',
  schema: targetPlanSchema,
  crossCheck(registry, issues) {
    const kpis = new Set(registry.documentsOf('kpi').map((k) => k.name));
    for (const plan of registry.documentsOf('target_plan')) {
      if (!kpis.has(plan.kpi)) issues.push({ document: `target_plan "${plan.name}"`, path: '/kpi', rule: 'unknown_reference', message: `refers to kpi "${plan.kpi}", which does not exist` });
      if (plan.periodMethod === 'weights' && !plan.periodWeights) {
        issues.push({ document: `target_plan "${plan.name}"`, path: '/periodWeights', rule: 'required', message: 'periodMethod "weights" needs 12 periodWeights' });
      }
    }
  },
};
