// How many decimals a currency's smallest unit has (ISO 4217 minor units). Money is stored and
// apportioned to this scale; 2 unless the currency says otherwise.

const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export const DEFAULT_MONEY_SCALE = 2;

/** Minor-unit decimals of an ISO currency code (2 for unknown or missing codes). */
export function currencyScale(currency: string | null | undefined): number {
  return (currency ? MINOR_UNITS[currency.toUpperCase()] : undefined) ?? DEFAULT_MONEY_SCALE;
}
