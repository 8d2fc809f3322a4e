/**
 * The bonus rule, kept pure so the formula function and the job share it: a rate by attainment
 * tier (the whole amount earns the rate of the tier reached), times a multiplier by customer
 * retention. Amounts are rounded to cents half up.
 */
export const TIERS: ReadonlyArray<{ from: number; rate: number }> = [
  { from: 0, rate: 0 },
  { from: 0.8, rate: 0.03 },
  { from: 1.0, rate: 0.05 },
  { from: 1.2, rate: 0.08 },
];

export function retentionMultiplier(retention: number): number {
  if (retention >= 0.95) return 1.2;
  if (retention >= 0.85) return 1;
  return 0.8;
}

export function tieredBonus(amount: unknown, attainment: unknown, retention: unknown): string | null {
  const a = Number(amount);
  const t = Number(attainment);
  const r = Number(retention);
  if (![a, t, r].every(Number.isFinite) || a < 0) return null;
  let rate = 0;
  for (const tier of TIERS) if (t >= tier.from) rate = tier.rate;
  const cents = Math.round(a * rate * retentionMultiplier(r) * 100);
  return (cents / 100).toFixed(2);
}
