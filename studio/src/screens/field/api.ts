// The field module's API as the phone screens use it (packages/server/src/modules/field/).
import { api } from '../../api/client.ts';

export interface CheckIn {
  visitId: string;
  userId: string;
  customerId: string | null;
  customerName?: string | null;
  customerLat?: number | null;
  customerLng?: number | null;
  checkInAt: string;
  lat: number | null;
  lng: number | null;
  accuracy: number | null;
  distanceMeters: number | null;
  radiusMeters?: number | null;
  flagged: boolean;
  flagReason: string | null;
  checkOutAt: string | null;
  durationMinutes: number | null;
}

export interface Position {
  lat: number;
  lng: number;
  accuracy: number;
}

/** The device's position now (the browser asks the user once), with its accuracy in metres. */
export function here(): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) return reject(new Error('no_geolocation'));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Math.round(p.coords.accuracy) }),
      (e) => reject(new Error(e.code === e.PERMISSION_DENIED ? 'geolocation_denied' : 'geolocation_unavailable')),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 30_000 },
    );
  });
}

/** Today as the device's calendar has it, YYYY-MM-DD. */
export const localDay = (d = new Date()): string => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

const device = () => navigator.userAgent.slice(0, 200);

export const fieldApi = {
  day: (date: string, user?: string) => api.get<{ data: CheckIn[] }>('/field/checkins', { date, ...(user ? { user } : {}) }).then((r) => r.data),
  /** One tap, one key: a retry of the same tap answers the first answer and makes no second visit. */
  /** `at` is the device's time at the tap: a check-in queued offline is sent later with it. */
  checkIn: (customerId: string, p: Position, key: string, at = new Date().toISOString()) =>
    api.post<{ data: CheckIn }>('/field/checkins', { customerId, ...p, at, device: device() }, { 'idempotency-key': key }).then((r) => r.data),
  checkOut: (visitId: string, p: Position, at = new Date().toISOString()) => api.post<{ data: CheckIn }>(`/field/checkins/${visitId}/checkout`, { ...p, at }).then((r) => r.data),
};
