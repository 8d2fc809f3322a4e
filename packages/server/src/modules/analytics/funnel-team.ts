// `by=team`: a record's owner's org unit (their team now), read through the caller's own scope on
// users (the list routes' source again), so a user the caller may not read puts their records under
// no team, and a caller who may not read users, or their org unit, cannot group by team.
import { findField, type FieldDef, type ObjectDef } from '@attain/meta';
import type { DataPort, RecordService } from '@attain/store';
import { ApiError } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';

type Rows = ReturnType<RecordService['scopedRows']>;

export const TEAM = 'team';
const UNIT = 'org_unit_id';

/** Whether `by` asks for the owner's team (an object's own field named `team` wins). */
export const wantsTeam = (o: ObjectDef, by: string | undefined): boolean => by === TEAM && !findField(o, TEAM);

/** The grouping "field" of a team: the users' org unit reference, under the name `team`. */
export async function teamField(access: AccessContext, o: ObjectDef): Promise<{ field: FieldDef; users: RecordService }> {
  const unit = access.registry.field('user', UNIT);
  if (!o.owned || !unit) throw new ApiError(400, 'invalid_funnel', `"${o.name}" has no owner to take a team from`, [{ path: '/by', rule: 'team', message: 'the object has no owner' }]);
  const grant = await access.grant('user', 'read');
  if (grant.perm.hiddenFields.has(UNIT))
    throw new ApiError(403, 'field_hidden', `You may not use the field "${UNIT}"`, [{ path: '/by', rule: 'field_hidden', message: `"user.${UNIT}" is not readable for you` }]);
  return { field: { ...unit, name: TEAM, column: TEAM }, users: grant.service };
}

/** The caller's rows of the object with `team`: their owner's org unit where the caller may read the owner. */
export function withTeam(knex: DataPort['knex'], rows: Rows, users: RecordService): Rows {
  return knex
    .select('r.*', `u.${UNIT} as ${TEAM}`)
    .from(rows.as('r'))
    .leftJoin(users.scopedRows('user', { fields: [UNIT] }).as('u'), 'u.id', 'r.owner_id');
}
