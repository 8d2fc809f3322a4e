// Request and response shapes of the template routes (request checks, OpenAPI, client types). The
// inner shapes of a package (manifest, metadata documents, data) are owned by manifest.ts and the
// metadata kinds; these describe the envelopes.
import { arrayOf, BOOLEAN, INTEGER, jsonBody, list, MIGRATION_PLAN, nullable, object, OBJECT, query, replies, STRING, type Schema } from '../http/route-schema.ts';

/** A template package: its manifest, metadata documents and data. */
const PACKAGE: Schema = object({ manifest: OBJECT, documents: arrayOf(), data: OBJECT }, ['manifest', 'documents']);
// A package sent in a body is checked by manifest.ts, which names each problem (template_invalid).
const SENT_PACKAGE: Schema = { type: 'object', description: 'a template package: {manifest, documents, data}' };

const GALLERY_ENTRY = object(
  { name: STRING, version: STRING, label: OBJECT, description: nullable(STRING), industry: nullable(STRING), requires: OBJECT, installed: nullable(STRING), canRollBack: BOOLEAN },
  ['name', 'version', 'installed'],
);
const INSTALLED = object({ name: STRING, version: nullable(STRING), action: { type: 'string', enum: ['install', 'upgrade', 'rollback', 'uninstall'] }, revision: INTEGER, at: STRING }, [
  'name',
  'version',
  'revision',
]);

/** What installing answers: the metadata plan, whether it was applied, and the data loaded. */
const INSTALL_RESULT = object({ tenant: STRING, template: STRING, version: STRING, plan: MIGRATION_PLAN, applied: BOOLEAN, revision: INTEGER, data: OBJECT }, [
  'tenant',
  'template',
  'version',
  'plan',
  'applied',
  'revision',
]);
const UPGRADE_PLAN = object({ template: STRING, from: STRING, to: STRING, changes: arrayOf(), conflicts: arrayOf(), unresolved: arrayOf(STRING), removed: arrayOf(STRING), hash: STRING }, [
  'template',
  'from',
  'to',
  'changes',
  'conflicts',
  'unresolved',
]);

/** A body naming a package sent inline (else the shipped one), with the route's options. */
const withPackage = (extra: Record<string, Schema> = {}): Schema => jsonBody({ package: SENT_PACKAGE, ...extra });
// Its values are checked by the merge, which names the conflict path.
const RESOLUTIONS: Schema = { type: 'object', description: 'conflict path → "ours" or "theirs"' };

export const TEMPLATE_SCHEMAS = {
  gallery: { response: replies({ 200: list(GALLERY_ENTRY, { installed: arrayOf(INSTALLED) }) }) },
  export: {
    querystring: query({ name: STRING, version: STRING, records: { type: 'string', description: 'objects whose records are exported, comma-separated' } }),
    response: replies({ 200: PACKAGE }),
  },
  show: { response: replies({ 200: PACKAGE }) },
  history: { response: replies({ 200: list() }) },
  install: { body: withPackage({ accept: BOOLEAN, data: BOOLEAN }), response: replies({ 200: INSTALL_RESULT }) },
  plan: { body: withPackage({ resolutions: RESOLUTIONS }), response: replies({ 200: UPGRADE_PLAN }) },
  upgrade: {
    body: withPackage({ resolutions: RESOLUTIONS, hash: STRING }),
    response: replies({ 200: object({ ...(UPGRADE_PLAN.properties as Record<string, Schema>), revision: INTEGER }, ['template', 'revision']) }),
  },
  rollback: { body: jsonBody({}), response: replies({ 200: object({ version: STRING, revision: INTEGER }, ['version', 'revision']) }) },
  uninstall: { body: jsonBody({ accept: BOOLEAN }), response: replies({ 200: object({ plan: MIGRATION_PLAN, applied: BOOLEAN, revision: INTEGER }, ['plan', 'applied', 'revision']) }) },
  newTenant: {
    body: jsonBody({ name: STRING, adminEmail: STRING, adminName: STRING, label: STRING, baseCurrency: STRING, timeZone: STRING, package: SENT_PACKAGE, data: BOOLEAN }),
    response: replies({ 201: object({ ...(INSTALL_RESULT.properties as Record<string, Schema>), admin: object({ password: STRING }, ['password']) }, ['tenant', 'applied', 'admin']) }),
  },
} satisfies Record<string, Schema>;
