// The store types the server uses, in one place.
export type { Actor, ApplyOptions, Filter, ListQuery, LocalChange, RecordAccess, RecordService, Store, Tenant, TenantSnapshot } from '@attain/store';
