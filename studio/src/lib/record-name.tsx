import { Fragment } from 'react';
import type { ObjectDoc } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { FieldValue } from './format.tsx';
import { allFieldInfos, listColumns, titleField } from './meta.ts';

const filled = (v: unknown) => v !== null && v !== undefined && v !== '';

/**
 * What a record is called on screen: its title field as people read it (a reference's title, not
 * its id), or, when the object has no title field or the record leaves it empty, its first two
 * filled list columns (a sell-out's distributor and month) — else the kind of record it is. Never
 * its raw id.
 */
export function RecordName({ doc, row, hidden }: { doc: ObjectDoc; row: Record<string, unknown>; hidden?: ReadonlySet<string> }) {
  const { label } = useI18n();
  const title = titleField(doc);
  const field = title === 'id' ? undefined : allFieldInfos(doc).find((f) => f.name === title);
  if (field && filled(row[title])) return <FieldValue field={field} value={row[title]} record={row} plain />;
  const columns = listColumns(doc, hidden)
    .filter((f) => f.name !== title && filled(row[f.name]))
    .slice(0, 2);
  if (columns.length === 0) return <>{label(doc.label, doc.name)}</>;
  return (
    <>
      {columns.map((f, i) => (
        <Fragment key={f.name}>
          {i > 0 && ' · '}
          <FieldValue field={f} value={row[f.name]} record={row} plain />
        </Fragment>
      ))}
    </>
  );
}
