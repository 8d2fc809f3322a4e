import type { PlanStep } from '../api/types.ts';
import type { TFunction } from '../i18n/i18n.tsx';

// Values that are words of our own vocabulary are translated too; names stay as they are.
const VOCABULARY: Record<string, string> = { type: 'storage', docKind: 'docKinds', onDelete: 'onDelete' };

/**
 * A plan step in the reader's language, from its machine-readable `message` and `params`; the
 * server's English `sentence` when the studio has no translation for the message (an older or
 * newer server).
 */
export function stepText(step: PlanStep, t: TFunction): string {
  const key = step.message ? `planMessages.${step.message}` : undefined;
  const fallback = step.sentence ?? step.description ?? step.kind;
  if (!key || t(key) === key) return fallback;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(step.params ?? {})) {
    if (value === undefined) continue;
    const group = VOCABULARY[name];
    const word = group && typeof value === 'string' ? t(`${group}.${value}`) : undefined;
    params[name] = word && word !== `${group}.${value}` ? word : value;
  }
  const text = t(key, params);
  // A placeholder the server did not fill means the two disagree: the sentence is safer.
  return /\{\w+\}/.test(text) ? fallback : text;
}
