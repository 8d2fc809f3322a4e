import type { FastifyInstance } from 'fastify';
import type { GraphQLFieldConfigMap } from 'graphql';
import type { GraphQLContext } from '../graphql/context.ts';
import type { Label, MetaKindDefinition } from '@attain/meta';
import type { BackgroundModule, DocumentCheck, JobHandler, TenantModule } from '@attain/store';
import type { NotificationChannel, SubjectHandler, Workflow } from '@attain/workflow';
import type { Store } from '../store-port.ts';
import type { AnalyticsDataset } from './datasets.ts';

/** What a module's factories receive: the store, and the workflow service every node shares. */
export interface ModuleDeps {
  store: Store;
  workflow: Workflow;
}

/**
 * A module's HTTP routes: a fastify plugin registered under `/api/v1`, after authentication. Give
 * each route a fastify `schema`; the OpenAPI document is built from the routes registered.
 */
export type ModuleRoutes = (app: FastifyInstance, opts: { store: Store }) => Promise<void>;

/** A named capability a module checks (documentation and, later, plugin grants). */
export interface ModulePermission {
  name: string;
  description: string;
}

/** Everything a module brings. Every part is optional; `defineModule` fills the gaps. */
export interface ModuleSpec {
  /** Stable name, a-z 0-9 _; its tables are prefixed `attain_<id>_`, its kinds named `<id>.<kind>`. */
  id: string;
  /** Modules that must be installed first (their subjects, channels, kinds). */
  dependsOn?: readonly string[];
  /** Metadata kinds: meta-schema, normalisation, cross-check; accepted by loaders and metadata plan/apply. */
  kinds?: readonly MetaKindDefinition[];
  /** Its own tables in each tenant schema, versioned (brought up to date on first use with `store.modules.ensure`). */
  tables?: readonly TenantModule[];
  routes?: readonly ModuleRoutes[];
  /**
   * Fields the module adds to every tenant's GraphQL `Query` (built once per server, merged into each
   * per-role schema). Name them in camelCase (`analyticsReport`): object fields are snake_case api
   * names, so the two never meet. Resolvers check access themselves through `ctx.access`.
   */
  graphqlQuery?: (deps: { store: Store }) => GraphQLFieldConfigMap<unknown, GraphQLContext>;
  /** Background work: queue handlers and event subscriptions, run by every node's worker. */
  jobs?: (deps: ModuleDeps) => BackgroundModule;
  /** Handlers of approval subjects this module owns (decided through the workflow's flows), by kind. */
  approvalSubjects?: Readonly<Record<string, (deps: ModuleDeps) => SubjectHandler>>;
  permissions?: readonly ModulePermission[];
  /** Notification channels (inbox, email, …) the workflow's notifier may deliver through. */
  channels?: readonly NotificationChannel[];
  /** Whole-document checks run at plan time over the next metadata, by name; a problem refuses the plan. */
  documentChecks?: Readonly<Record<string, (deps: ModuleDeps) => DocumentCheck>>;
  /** Handlers told of every metadata change (apply, rollback), by consumer name, as durable jobs. */
  metadataEvents?: Readonly<Record<string, (deps: ModuleDeps) => JobHandler>>;
  /**
   * Studio feature folders the module ships, `studio/src/screens/<folder>/index.ts`; each registers
   * its own screens (paths, permissions, navigation). The studio imports them in
   * `studio/src/screens/index.ts` (in navigation order); a test keeps the two lists in step.
   */
  screens?: readonly string[];
  /**
   * Read-only datasets for analytics (`<id>.<name>`): rows that are not records, which report and
   * dashboard questions measure like an object; the module scopes the rows to the caller.
   */
  datasets?: readonly AnalyticsDataset[];
  /** Human name for logs and docs. */
  label?: Label;
}

export type AttainModule = Required<Omit<ModuleSpec, 'jobs' | 'label' | 'graphqlQuery'>> & Pick<ModuleSpec, 'jobs' | 'label' | 'graphqlQuery'>;

const MODULE_ID = /^[a-z][a-z0-9_]{0,30}$/;

/** Declares a module: checks its id and names, and fills every optional part with an empty one. */
export function defineModule(spec: ModuleSpec): AttainModule {
  if (!MODULE_ID.test(spec.id)) throw new Error(`module id "${spec.id}" must be a-z, 0-9 and _ (at most 31 characters)`);
  for (const kind of spec.kinds ?? []) {
    if (kind.kind.includes('.') && !kind.kind.startsWith(`${spec.id}.`)) throw new Error(`module "${spec.id}": kind "${kind.kind}" must be named ${spec.id}.<kind>`);
  }
  for (const dataset of spec.datasets ?? []) {
    if (!dataset.name.startsWith(`${spec.id}.`)) throw new Error(`module "${spec.id}": dataset "${dataset.name}" must be named ${spec.id}.<name>`);
  }
  for (const consumer of Object.keys(spec.metadataEvents ?? {})) {
    if (!consumer.startsWith(spec.id)) throw new Error(`module "${spec.id}": metadata consumer "${consumer}" must start with the module id`);
  }
  return {
    id: spec.id,
    dependsOn: spec.dependsOn ?? [],
    kinds: spec.kinds ?? [],
    tables: spec.tables ?? [],
    routes: spec.routes ?? [],
    approvalSubjects: spec.approvalSubjects ?? {},
    permissions: spec.permissions ?? [],
    channels: spec.channels ?? [],
    documentChecks: spec.documentChecks ?? {},
    metadataEvents: spec.metadataEvents ?? {},
    screens: spec.screens ?? [],
    datasets: spec.datasets ?? [],
    ...(spec.jobs ? { jobs: spec.jobs } : {}),
    ...(spec.graphqlQuery ? { graphqlQuery: spec.graphqlQuery } : {}),
    ...(spec.label ? { label: spec.label } : {}),
  };
}
