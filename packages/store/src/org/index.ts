export { orgService, orgAfterRecordWrite, type OrgService } from './service.ts';
export {
  memberships,
  unitHistory,
  orgOn,
  coversSql,
  unitAncestorsCte,
  childUnitsOn,
  orgVersion,
  managerIn,
  managerChainIn,
  headAbove,
  type OrgDay,
  type OrgMembership,
  type OrgSource,
  type OrgUnitSpan,
} from './read.ts';
export { changeOrg, type ChangeOptions, type MembershipRow, type OrgChange, type OrgChangeResult, type UnitRow } from './write.ts';
export { ORG_EVENT_OBJECT, orgEventBody, type OrgEventBody } from './events.ts';
export { BEGINNING, today } from './timeline.ts';
export { ensureOrgTables, seedMissing } from './tables.ts';
