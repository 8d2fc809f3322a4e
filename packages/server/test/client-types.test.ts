import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateClientTypes, routeDocument } from '../scripts/gen-client-types.ts';

describe("the studio's API client types", () => {
  it("are current with the routes' schemas (run `npm run build` after changing a route)", async () => {
    const doc = await routeDocument();
    const committed = await readFile(new URL('../../../studio/src/api/generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateClientTypes(doc));
    // Every route of the document is in the table, each with its answer.
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((m) => `'${m.toUpperCase()} ${path}'`));
    expect(routes.length).toBeGreaterThan(90);
    for (const route of routes) expect(committed).toContain(route);
  });
});
