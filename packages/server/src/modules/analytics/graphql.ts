import { GraphQLNonNull, GraphQLString, type GraphQLFieldConfigMap } from 'graphql';
import type { GraphQLContext } from '../../graphql/context.ts';
import { GraphQLJSON } from '../../graphql/json-scalar.ts';
import type { Store } from '../../store-port.ts';
import { contextFor, questionOf, savedReport } from './routes.ts';
import { runReport } from './run.ts';

/**
 * `analyticsReport(name, asOf)`: a saved report's answer over GraphQL, the same JSON as
 * `GET /api/v1/analytics/reports/:name/run` (same run, same scope and hidden fields).
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
  };
}
