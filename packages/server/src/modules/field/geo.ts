// Distances between device positions and customers, and the check that a user's consecutive
// positions could have been reached: a phone that reports Shanghai and, ten minutes later,
// Berlin is lying about one of them.

const EARTH_RADIUS_M = 6_371_008.8;

/** Faster than an airliner: consecutive positions of one user further apart than this allows are refused. */
export const MAX_SPEED_KMH = 1000;

/** A position reported by a device (degrees, WGS 84). */
export interface Point {
  lat: number;
  lng: number;
}

const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine), good to a few metres at the distances a visit cares about. */
export function distanceMeters(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The speed (km/h) needed to travel from one timed position to the next. Two positions at the
 * same instant need an infinite speed unless they are the same place (within the two readings'
 * accuracy, which is also forgiven on every other leg: GPS noise is not travel).
 */
export function speedKmh(from: Point & { at: Date; accuracy?: number }, to: Point & { at: Date; accuracy?: number }): number {
  const slack = (from.accuracy ?? 0) + (to.accuracy ?? 0);
  const meters = Math.max(0, distanceMeters(from, to) - slack);
  if (meters === 0) return 0;
  const hours = Math.abs(to.at.getTime() - from.at.getTime()) / 3_600_000;
  return hours === 0 ? Number.POSITIVE_INFINITY : meters / 1000 / hours;
}
