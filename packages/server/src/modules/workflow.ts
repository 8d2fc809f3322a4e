import { approvalFlowKind, automationKind } from '@attain/meta';
import { emailChannel, inboxChannel, unknownChannels, workflowModule } from '@attain/workflow';
import { workflowRoutes } from '../rest/workflow-routes.ts';
import { defineModule } from './contract.ts';

/** Approval flows, automation rules and notifications; other modules' subjects and channels plug into it. */
export const workflow = defineModule({
  id: 'workflow',
  label: { en: 'Workflow', 'zh-CN': '工作流' },
  kinds: [approvalFlowKind, automationKind],
  tables: [workflowModule],
  routes: [workflowRoutes],
  jobs: ({ workflow }) => workflow.background(),
  channels: [inboxChannel, emailChannel],
  // Flows and rules may only notify through channels some module registered.
  documentChecks: {
    'workflow.channels':
      ({ workflow }) =>
      (registry) =>
        unknownChannels(registry, workflow.channelNames()),
  },
  screens: ['workflow'],
});
