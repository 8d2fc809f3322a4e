// Attachments follow their record: read the record → read its files; update it → attach and
// delete. A record outside the caller's scope is answered like a missing one.
import { notFound } from '../../http/errors.ts';
import type { AccessContext } from '../../rbac/context.ts';
import type { Action } from '../../rbac/permissions.ts';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The record the caller may `action` (403 without the action on the object, 404 outside the scope). */
export async function recordFor(access: AccessContext, object: string, id: string, action: Action): Promise<{ id: string }> {
  const { service } = await access.grant(object, action);
  const record = UUID_TEXT.test(id) ? await service.get(object, id.toLowerCase()) : undefined;
  if (!record) throw notFound('no such record');
  return record;
}

export const isUuid = (text: string) => UUID_TEXT.test(text);
