// The exchange-rate and tenant-settings API as the screen uses it. Rates travel as decimal text.
import { api } from '../../api/client.ts';

export interface FxRate {
  id: string;
  from: string;
  to: string;
  rate: string;
  effectiveFrom: string;
  createdBy: string | null;
  createdAt: string;
}
export interface TenantSettings {
  baseCurrency: string;
  timeZone: string;
  fiscalYearStartMonth: number;
  calculatedAt: string | null;
  locked: boolean;
}
/** What the engine did after a change: transactions recredited, and how many still lack a rate. */
export interface FxFollowUp {
  problems: number;
}

export const fxApi = {
  rates: () => api.get<{ data: FxRate[]; baseCurrency: string }>('/fx/rates'),
  add: (rate: { from: string; to: string; rate: string; effectiveFrom: string }) => api.post<{ data: FxRate } & FxFollowUp>('/fx/rates', rate),
  remove: (id: string) => api.del<{ data: FxRate } & FxFollowUp>(`/fx/rates/${encodeURIComponent(id)}`),
  /** A CSV file is sent as its text, an XLSX one as base64: the API takes both as JSON. */
  importFile: async (file: File) => {
    const xlsx = /\.xlsx$/i.test(file.name);
    const body = xlsx ? { xlsx: toBase64(new Uint8Array(await file.arrayBuffer())) } : { csv: await file.text() };
    return api.post<{ data: { created: number; updated: number } } & FxFollowUp>('/fx/rates/import', body);
  },
  settings: () => api.get<{ data: TenantSettings }>('/tenant/settings'),
  saveSettings: (s: Partial<Pick<TenantSettings, 'baseCurrency' | 'timeZone' | 'fiscalYearStartMonth'>>) => api.put<{ data: TenantSettings }>('/tenant/settings', s),
};

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
