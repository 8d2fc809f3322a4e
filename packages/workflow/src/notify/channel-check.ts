import type { Registry, WorkflowActionDoc } from '@attain/meta';
import type { ErrorDetail } from '@attain/store';

/**
 * Plan-time check: every notify action of a flow or rule names a registered channel. The
 * meta-schema only checks the name's shape, since modules add channels.
 */
export function unknownChannels(registry: Registry, known: readonly string[]): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const scan = (document: string, base: string, actions: WorkflowActionDoc[] | undefined): void => {
    (actions ?? []).forEach((a, i) => {
      (a.channels ?? []).forEach((c, j) => {
        if (!known.includes(c))
          out.push({ document, path: `${base}/${i}/channels/${j}`, rule: 'unknown_channel', message: `"${c}" is not a notification channel; use one of ${known.map((k) => `"${k}"`).join(', ')}` });
      });
    });
  };
  for (const flow of registry.documentsOf('approval_flow')) {
    scan(`approval_flow "${flow.name}"`, '/onApprove', flow.onApprove);
    scan(`approval_flow "${flow.name}"`, '/onReject', flow.onReject);
  }
  for (const rule of registry.documentsOf('automation')) scan(`automation "${rule.name}"`, '/actions', rule.actions);
  return out;
}
