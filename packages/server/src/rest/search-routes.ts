import type { FastifyInstance } from 'fastify';
import { pickLabel } from '@attain/meta';
import { badRequest } from '../http/errors.ts';
import { replies } from '../http/route-schema.ts';
import { requireAccess } from './request-access.ts';

const PER_OBJECT_MAX = 20;

const RESPONSE = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['object', 'label', 'records'],
        properties: {
          object: { type: 'string' },
          label: { type: 'string' },
          records: { type: 'array', items: { type: 'object', required: ['id', 'title'], properties: { id: { type: 'string' }, title: { type: 'string' } } } },
          more: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/**
 * `GET /search?q=`: the records the caller may read whose searchable fields (the title field and
 * fields marked searchable, never a hidden one) contain the text, a few per object, through each
 * object's list route service — the same scope and hidden fields as a list with `?q=`.
 */
export async function searchRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/search',
    {
      config: { summary: 'Search every object the caller may read', tags: ['records'] },
      schema: {
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: { q: { type: 'string', maxLength: 200 }, limit: { type: 'string', pattern: '^[1-9][0-9]?$', description: `records per object, 1 to ${PER_OBJECT_MAX} (default 5)` } },
        },
        response: replies({ 200: RESPONSE }),
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const query = request.query as { q: string; limit?: string };
      const limit = query.limit === undefined ? 5 : Number(query.limit);
      if (limit > PER_OBJECT_MAX) throw badRequest('invalid_query', `"limit" is at most ${PER_OBJECT_MAX}`, [{ path: '/limit', rule: 'maximum', message: `at most ${PER_OBJECT_MAX}` }]);
      const q = query.q;
      const text = q.trim();
      if (text.length < 2) throw badRequest('invalid_query', 'search for at least 2 characters', [{ path: '/q', rule: 'minLength', message: 'at least 2 characters' }]);
      const locale = access.locale ?? 'en';
      const readable = access.registry.objects.filter((o) => access.permission(o.name).actions.has('read'));
      const found = await Promise.all(
        readable.map(async (o) => {
          const grant = await access.grant(o.name, 'read');
          const page = await grant.service.list(o.name, { search: text, limit: limit + 1 });
          // The title is shown only when the caller may see the title field.
          const titleVisible = !grant.perm.hiddenFields.has(o.titleField);
          const records = page.data.slice(0, limit).map((r) => ({ id: String(r.id), title: String((titleVisible ? r[o.titleField] : undefined) ?? r.id) }));
          return { object: o.name, label: pickLabel(o.pluralLabel, locale, o.name), records, more: page.data.length > limit };
        }),
      );
      return { data: found.filter((f) => f.records.length > 0) };
    },
  );
}
