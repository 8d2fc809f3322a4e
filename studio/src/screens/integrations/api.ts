// The integrations API as the screen uses it (routes in packages/server/src/modules/integrations/).
import { api } from '../../api/client.ts';
import type { GetIntegrationsDeadLettersResponse, GetIntegrationsEventsResponse, GetIntegrationsInboundResponse, GetIntegrationsSubscriptionsResponse } from '../../api/generated.ts';

export type Inbound = GetIntegrationsInboundResponse['data'];
export type ReceivedEvent = GetIntegrationsEventsResponse['data'][number];
export type DeadLetter = GetIntegrationsDeadLettersResponse['data'][number];
export type Subscription = GetIntegrationsSubscriptionsResponse['data'][number];

export const integrationsApi = {
  inbound: () => api.get<GetIntegrationsInboundResponse>('/integrations/inbound'),
  rotate: () => api.post<{ data: { secret: string; rotatedAt: string } }>('/integrations/inbound/secret', {}),
  events: (status?: string) => api.get<GetIntegrationsEventsResponse>('/integrations/events', status ? { status } : undefined),
  subscriptions: () => api.get<GetIntegrationsSubscriptionsResponse>('/integrations/subscriptions'),
  subscribe: (url: string, objects: string[]) => api.post<{ data: Subscription & { secret: string } }>('/integrations/subscriptions', { url, objects }),
  unsubscribe: (id: string) => api.del<void>(`/integrations/subscriptions/${id}`),
  deadLetters: () => api.get<GetIntegrationsDeadLettersResponse>('/integrations/dead-letters'),
  replay: (id: string) => api.post<{ data: { replayed: string[] } }>(`/integrations/dead-letters/${id}/replay`, {}),
  replayMany: (ids: string[]) => api.post<{ data: { replayed: string[] } }>('/integrations/dead-letters/replay', { ids }),
};
