// What an approval is about. A record of an object is the original subject; other modules
// (goals, incentives) register handlers for their own kinds — a target plan version, an
// incentive period, a dispute — and are told when an approval on one of them is decided.
import { createHash } from 'node:crypto';
import type { Actor } from '@attain/store';

export type SubjectKind = 'record' | 'target_plan_version' | 'incentive_period' | 'dispute' | (string & {});

export interface Subject {
  kind: SubjectKind;
  /** The record id, or the subject's own id (a uuid, a period `YYYY-MM`, …). */
  id: string;
  /** The object of a record subject. */
  object?: string;
  /** A title for inboxes and messages. */
  label?: string;
}

export interface SubjectDecision {
  tenant: string;
  subject: Subject;
  outcome: 'approved' | 'rejected';
  /** Who made the last decision; the submitter for an approval without steps. */
  actor: Actor;
  reason: string | null;
  instanceId: string;
}

/**
 * A module's handler of one subject kind. `decided` runs as the first action of the approval's
 * durable final run: it is retried until it succeeds, so it must be idempotent (a retry after a
 * crash may find the subject already moved on).
 */
export interface SubjectHandler {
  decided(decision: SubjectDecision): Promise<void>;
  /** Refuses a submission the subject's own state does not allow (throw); optional. */
  check?(tenant: string, subject: Subject): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The uuid an instance, its history and the audit log file the subject under: the id itself
 * when it is one, else a stable name-based uuid of kind and id (periods are `YYYY-MM`).
 */
export function subjectRecordId(kind: string, id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  const h = createHash('sha256').update(`attain-subject\u0000${kind}\u0000${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export const isRecordSubject = (s: Subject | null | undefined): boolean => !s || s.kind === 'record';

/** What a flow declares it approves; `record` (a record of its `object`) unless it says otherwise. */
export const flowSubject = (flow: { subject?: string | undefined }): SubjectKind => flow.subject ?? 'record';

export const isRecordFlow = (flow: { subject?: string | undefined }): boolean => flowSubject(flow) === 'record';
