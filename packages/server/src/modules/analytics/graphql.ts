import { GraphQLNonNull, GraphQLString, type GraphQLFieldConfigMap } from 'graphql';
import type { GraphQLContext } from '../../graphql/context.ts';
import { GraphQLJSON } from '../../graphql/json-scalar.ts';
import type { Store } from '../../store-port.ts';
import { notFound } from '../../http/errors.ts';
import { dashboardAnswer } from './dashboard-answer.ts';
import { visibleDashboard } from './dashboard-visible.ts';
import type { FilterValue } from './dashboard-schema.ts';
import { contextFor, questionOf, savedReport } from './routes.ts';
import { runReport } from './run.ts';

/**
 * `analyticsReport(name, asOf)`: a saved report's answer over GraphQL, the same JSON as
 * `GET /api/v1/analytics/reports/:name/run` (same run, same scope and hidden fields);
 * `analyticsDashboard(name, filters, asOf)`: a dashboard's widgets, the same JSON as
 * `POST /api/v1/analytics/dashboards/:name/run`.
 */
export function analyticsQuery({ store }: { store: Store }): GraphQLFieldConfigMap<unknown, GraphQLContext> {
  return {
    analyticsReport: {
      type: GraphQLJSON,
      description: 'Runs a saved report (analytics.report) for the caller',
      args: { name: { type: new GraphQLNonNull(GraphQLString) }, asOf: { type: GraphQLString } },
      resolve: async (_root, args: { name: string; asOf?: string | null }, ctx) => {
        const q = questionOf(savedReport(ctx.access, args.name.slice(0, 63)));
        return runReport(q, await contextFor(store, ctx.access, q, args.asOf ?? undefined, false));
      },
    },
    analyticsDashboard: {
      type: GraphQLJSON,
      description: 'Runs every widget of a dashboard shared with the caller (analytics.dashboard), with its filters',
      args: { name: { type: new GraphQLNonNull(GraphQLString) }, filters: { type: GraphQLJSON }, asOf: { type: GraphQLString } },
      resolve: async (_root, args: { name: string; filters?: Record<string, FilterValue> | null; asOf?: string | null }, ctx) => {
        const doc = (await visibleDashboard(store, ctx.access, args.name.slice(0, 63)))?.doc;
        if (!doc) throw notFound(`there is no dashboard named "${args.name.slice(0, 63)}"`);
        // The REST route's answer and cache entry: the same JSON, run once per question and scope.
        const answer = await dashboardAnswer(store, ctx.access, doc, args.filters ?? undefined, args.asOf ?? undefined);
        return (JSON.parse(answer.body.toString('utf8')) as { data: unknown }).data;
      },
    },
  };
}
