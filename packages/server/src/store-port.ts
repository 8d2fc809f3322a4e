// The store types the server uses, in one place.
export type { Actor, ApplyOptions, Filter, ListQuery, RecordAccess, RecordService, Store, Tenant } from '@attain/store';
