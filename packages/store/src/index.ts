export { createDatabase, type Database, type DatabaseOptions, type Dialect } from './database.ts';
export { createStore, type StoreOptions } from './store.ts';
export { openTestStore, sharedTestDatabase } from './testing.ts';
export { StoreError, type ErrorDetail, type StoreErrorCode } from './errors.ts';
export { uuidv7, isUuid } from './uuid.ts';
export { docsHash } from './metadata.ts';
export type * from './types.ts';
