// The order of a day's visits: nearest neighbour from the start point over the customers'
// coordinates (the next stop is always the closest one not yet visited). Not the shortest tour,
// but a good one for a dozen stops, instant, and easy for a rep to follow. Stops without
// coordinates keep their order after the others.
import { distanceMeters, type Point } from './geo.ts';

export interface Stop<T> {
  item: T;
  place: Point | undefined;
}

export interface OrderedStop<T> {
  item: T;
  /** Metres from the previous stop (the start for the first); null without coordinates. */
  legMeters: number | null;
}

export function nearestNeighbour<T>(start: Point, stops: ReadonlyArray<Stop<T>>): { stops: OrderedStop<T>[]; totalMeters: number } {
  const left = stops.filter((s) => s.place !== undefined);
  const out: OrderedStop<T>[] = [];
  let here = start;
  let total = 0;
  while (left.length) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    left.forEach((s, i) => {
      const d = distanceMeters(here, s.place as Point);
      if (d < bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    const [next] = left.splice(best, 1) as [Stop<T>];
    out.push({ item: next.item, legMeters: Math.round(bestDistance) });
    total += bestDistance;
    here = next.place as Point;
  }
  for (const s of stops) if (s.place === undefined) out.push({ item: s.item, legMeters: null });
  return { stops: out, totalMeters: Math.round(total) };
}
