import { useMemo } from 'react';
import { api } from '../../api/client.ts';
import type { ListResponse } from '../../api/types.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../../session.tsx';
import { authoredFields } from '../../lib/meta.ts';
import { useAsync } from '../../lib/useAsync.ts';

/**
 * The product categories a specialist can cover: the category field's options (what the server
 * accepts when there are any) and the values products actually carry (a free-text category).
 */
export function useProductCategories(): Array<{ value: string; text: string }> {
  const { label } = useI18n();
  const session = useSession();
  const doc = session.object('product');
  const field = useMemo(() => (doc ? authoredFields(doc).find((f) => f.name === 'category') : undefined), [doc]);
  const readable = Boolean(field) && session.can('product', 'read');
  const found = useAsync(() => (readable ? api.get<ListResponse>('/objects/product', { limit: 500, sort: 'category' }).then((r) => r.data.map((p) => p.category)) : Promise.resolve([])), [readable]);
  return useMemo(() => {
    const out = new Map<string, string>();
    for (const o of field?.options ?? []) out.set(o.value, label(o.label, o.value));
    for (const v of found.data ?? []) if (typeof v === 'string' && v && !out.has(v)) out.set(v, v);
    return [...out].map(([value, text]) => ({ value, text }));
  }, [field, found.data, label]);
}
