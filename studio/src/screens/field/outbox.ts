// The field screen's outbox: check-ins, check-outs and photos made without a connection wait here
// (IndexedDB, so they survive a closed tab) and are sent in order when the connection returns.
// Each is sent exactly once: a check-in and a photo carry the Idempotency-Key made at the tap, so a
// resend after an answer that never arrived gets the first answer back (docs/field.md "Offline").
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { ApiError, uploadFile } from '../../api/client.ts';
import { fieldApi, type Position } from './api.ts';

interface DraftBase {
  /** Order of the taps (IndexedDB key, auto-increment). */
  seq?: number;
  /** The draft's own id; a queued check-in's id stands for its visit until the server names it. */
  id: string;
  /** Whose tap (`tenant/user`): only that person's session sends it, so a shared phone never sends one rep's drafts as another's. */
  owner: string;
  /** The device's time at the tap, sent as `at`. */
  at: string;
  /** Set when the server refused the draft: its code and words, shown to the rep until discarded. */
  refused?: { code: string; message: string };
}
export interface CheckInDraft extends DraftBase {
  kind: 'checkin';
  key: string;
  customerId: string;
  customerName: string;
  position: Position;
}
export interface CheckOutDraft extends DraftBase {
  kind: 'checkout';
  /** The server's visit id, or the id of a queued check-in draft. */
  visit: string;
  position: Position;
}
export interface PhotoDraft extends DraftBase {
  kind: 'photo';
  key: string;
  visit: string;
  name: string;
  blob: Blob;
}
export type Draft = CheckInDraft | CheckOutDraft | PhotoDraft;

interface OutboxDb extends DBSchema {
  drafts: { key: number; value: Draft };
  /** Queued check-in id → the server's visit id, once sent (for the check-outs and photos after it). */
  visits: { key: string; value: string };
}

let db: Promise<IDBPDatabase<OutboxDb>> | null = null;
const open = () => {
  db ??= openDB<OutboxDb>('attain-field-outbox', 1, {
    upgrade(d) {
      d.createObjectStore('drafts', { keyPath: 'seq', autoIncrement: true });
      d.createObjectStore('visits');
    },
  });
  return db;
};

const listeners = new Set<() => void>();
/** Calls `fn` whenever the outbox changes; returns the unsubscribe. */
export function onOutboxChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
/**
 * Set while any draft waits (localStorage, read synchronously): the session loads this module at app
 * start only then, so a studio with nothing queued never downloads it (session.tsx).
 */
export const OUTBOX_PENDING = 'attain.outbox.pending';
const changed = () => {
  for (const fn of listeners) fn();
  void open()
    .then((d) => d.count('drafts'))
    .then((n) => (n > 0 ? localStorage.setItem(OUTBOX_PENDING, '1') : localStorage.removeItem(OUTBOX_PENDING)))
    .catch(() => undefined);
};

/** The drafts of `owner`, in the order they were made. */
export async function drafts(owner: string): Promise<Draft[]> {
  return (await (await open()).getAll('drafts')).filter((d) => d.owner === owner);
}

export async function queue(draft: Draft): Promise<void> {
  await (await open()).add('drafts', draft);
  changed();
}

/** Drops a draft the rep gave up on, and what depends on it (a refused check-in's check-out and photos). */
export async function discard(seq: number): Promise<void> {
  const d = await open();
  const draft = await d.get('drafts', seq);
  if (!draft) return;
  for (const other of await d.getAll('drafts')) {
    if (other.seq === seq || (draft.kind === 'checkin' && other.kind !== 'checkin' && other.visit === draft.id)) await d.delete('drafts', other.seq as number);
  }
  changed();
}

/** No answer at all (offline, connection dropped): the draft stays for the next try. */
export function isNetworkError(e: unknown): boolean {
  return !(e instanceof ApiError) || e.status === 0;
}

let flushing: Promise<number> | null = null;

/**
 * Sends the waiting drafts in the order they were made, one at a time; resolves with how many were
 * sent. Concurrent calls share one run, so no draft is sent twice at once (the signed-in owner does not
 * change without a page of its own, so one run's owner is the caller's). Stops at the first
 * network error (the rest wait); a refusal (4xx) is kept on its draft with the server's words.
 */
export function flush(owner: string): Promise<number> {
  flushing ??= run(owner).finally(() => {
    flushing = null;
  });
  return flushing;
}

async function run(owner: string): Promise<number> {
  const d = await open();
  let sent = 0;
  for (const draft of await drafts(owner)) {
    if (draft.refused) continue;
    let visit: string | undefined;
    if (draft.kind !== 'checkin') {
      visit = (await d.get('visits', draft.visit)) ?? draft.visit;
      // Its check-in is still waiting (or was refused): this one waits for it.
      if ((await d.getAll('drafts')).some((o) => o.kind === 'checkin' && o.id === draft.visit)) continue;
    }
    try {
      if (draft.kind === 'checkin') {
        const answer = await fieldApi.checkIn(draft.customerId, draft.position, draft.key, draft.at);
        await d.put('visits', answer.visitId, draft.id);
      } else if (draft.kind === 'checkout') {
        await fieldApi.checkOut(visit as string, draft.position, draft.at).catch((e: unknown) => {
          // An earlier send that reached the server but whose answer was lost: done already.
          if (!(e instanceof ApiError && e.code === 'already_checked_out')) throw e;
        });
      } else {
        await uploadFile(`/objects/visit/${visit}/files`, draft.blob, draft.name, { 'idempotency-key': draft.key });
      }
      await d.delete('drafts', draft.seq as number);
      sent += 1;
      changed();
    } catch (e) {
      if (isNetworkError(e) || (e instanceof ApiError && (e.status >= 500 || e.status === 401))) break;
      const refused = e as ApiError;
      await d.put('drafts', { ...draft, refused: { code: refused.code, message: refused.message } });
      changed();
    }
  }
  return sent;
}
