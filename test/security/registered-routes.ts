import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** fastify's form: `/api/v1/goals/plans/:plan`. */
  url: string;
}

/**
 * Every route fastify's router serves, read from `printRoutes` (the router's own view, not our
 * route collector, so a test comparing the two checks the collector too). HEAD routes that
 * fastify adds for each GET are left out.
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack[depth] = url;
    for (const method of (m[3] ?? '').split(', ')) {
      if (method !== 'HEAD') out.push({ method, url });
    }
  }
  return out;
}
