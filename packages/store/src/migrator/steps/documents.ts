import type { StepHandler } from './out.ts';

/** Documents whose change needs no DDL (labels, roles, plans, flows …): a step to show, nothing to run. */
export const updateDocument: StepHandler<'update_document'> = (c, _v, out) =>
  out.step('metadata_only', c.doc, `Update ${c.docKind} "${c.doc.name}" (labels and settings only, no database change)`, {
    message: 'update_document',
    params: { docKind: c.docKind, name: c.doc.name },
  });

export const removeDocument: StepHandler<'remove_document'> = (c, _v, out) =>
  out.step('metadata_only', c.doc, `Remove ${c.docKind} "${c.doc.name}"`, { message: 'remove_document', params: { docKind: c.docKind, name: c.doc.name } });

export const addDocument: StepHandler<'add_document'> = (c, _v, out) =>
  out.step('metadata_only', c.doc, `Add ${c.docKind} "${c.doc.name}"`, { message: 'add_document', params: { docKind: c.docKind, name: c.doc.name } });
