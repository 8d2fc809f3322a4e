import { analytics } from './analytics/index.ts';
import type { AttainModule } from './contract.ts';
import { daily } from './daily/index.ts';
import { field } from './field/index.ts';
import { files } from './files/index.ts';
import { goals } from './goals.ts';
import { imports } from './imports/index.ts';
import { integrations } from './integrations/index.ts';
import { incentives } from './incentives.ts';
import { monitoring } from './monitoring/index.ts';
import { quality } from './quality/index.ts';
import { scim } from './scim.ts';
import { workflow } from './workflow.ts';

export { defineModule, type AttainModule, type ModuleDeps, type ModulePermission, type ModuleRoutes, type ModuleSpec } from './contract.ts';
export { installModules, moduleJobs, orderModules } from './install.ts';
export { DEFAULT_MAIL_MAX_BYTES, startMailReceiver, tenantOfAddress, type MailReceiver, type MailReceiverOptions } from './field/smtp-receiver.ts';

/**
 * The platform's modules: the one list the server (routes, checks, subjects, channels), the CLI's
 * background worker (jobs) and meta (kinds) loop over. A new module is a folder and one line here.
 */
export const attainModules: readonly AttainModule[] = [workflow, goals, incentives, analytics, scim, field, files, daily, quality, monitoring, integrations, imports];
