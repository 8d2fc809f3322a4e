import { useCallback, useMemo, useRef } from 'react';
import type { ErrorTransformer } from '@rjsf/utils';

/**
 * Which client checks a record form shows. Live validation checks the whole form on every blur,
 * so leaving the first field flagged every empty required field below it, under fields the user
 * had not reached yet (and still did once they were filled in). A field's findings show once the
 * user has left that field; after a save attempt, all of them.
 */
export function useTouchedErrors(idPrefix: string) {
  const touched = useRef(new Set<string>());
  const submitted = useRef(false);
  const transformErrors = useCallback<ErrorTransformer>((errors) => (submitted.current ? errors : errors.filter((e) => touched.current.has((e.property ?? '').split('.')[1] ?? ''))), []);
  return useMemo(
    () => ({
      transformErrors,
      /** rjsf's onBlur: the widget id is `<prefix>_<field>`. */
      onBlur: (id: string) => {
        touched.current.add(id.startsWith(`${idPrefix}_`) ? id.slice(idPrefix.length + 1) : id);
      },
      /** On an element around the form: a submit (Save, Enter) shows every finding from then on. */
      onSubmitCapture: () => {
        submitted.current = true;
      },
    }),
    [idPrefix, transformErrors],
  );
}
