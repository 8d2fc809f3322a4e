import type { StepHandler } from './out.ts';
import { columnDdl } from './column-ddl.ts';

/** A new object: a new table with the system columns around its stored fields. */
export const createObject: StepHandler<'create_object'> = (c, _v, out) => {
  const { object, fields } = c;
  const s = out.step('create_table', { id: object.id, name: object.name }, `Create object "${object.name}" (new table with ${fields.length} field(s))`, {
    params: { object: object.name, fields: fields.length },
  });
  const cols = fields.map((f) => columnDdl(f, true));
  out.ddl(
    3.3,
    `create table if not exists ${out.T(object.table)} (
          "id" uuid primary key,
          "external_id" varchar(255),
          ${cols.map((col) => `${col},`).join('\n')}
          "created_at" timestamptz not null default now(),
          "updated_at" timestamptz not null default now(),
          "created_by" uuid,
          "updated_by" uuid,
          "version" integer not null default 1,
          "deleted_at" timestamptz)`,
  );
  return s;
};
