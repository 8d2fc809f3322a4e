import type { HostCapabilities } from '@attain/sandbox';
import { StoreError, type Actor, type Store } from '@attain/store';
import { guardedRequest, OutboundRefused } from '@attain/workflow';
import { auditPlugin, type PluginAuditRow } from './audit.ts';
import { applyOrgSync } from './org-sync.ts';
import { PLUGINS_MODULE } from './tables.ts';

/** Outbound settings of `attain.fetch`. `allowHosts` and `ca` exist for tests (a local HTTPS server); production never sets them. */
export interface OutboundConfig {
  timeoutMs?: number;
  maxBytes?: number;
  allowHosts?: readonly string[];
  ca?: string;
}

export interface CallRecord {
  denied: string[];
  /** Audit entries of the call's SDK calls, written by the runtime in one insert when the hook is done. */
  audits: PluginAuditRow[];
  /** Set once those are written: an SDK call still running then is audited on its own. */
  flushed?: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const bad = (message: string): never => {
  throw new StoreError('validation_failed', message);
};

/**
 * The host side of the plugin SDK for one hook invocation. The pool has already checked every
 * call against the manifest (objects, URL patterns); here each call is recorded for the audit and runs as the
 * plugin's principal: actor `plugin:<name>`, through the records service (validation, refs,
 * write guards and other plugins' hooks apply) and the SSRF-guarded outbound client.
 */
export function sdkHost(store: Store, tenant: string, plugin: string, outbound: OutboundConfig, record: CallRecord): HostCapabilities {
  const actor: Actor = { userId: null, label: `plugin:${plugin}` };
  // Not a database round trip before every SDK call: the runtime writes them all after the hook.
  const audit = (action: string, after: Record<string, unknown>): void => {
    if (!record.flushed) {
      record.audits.push({ action, after });
      return;
    }
    void store.modules
      .ensure(tenant, PLUGINS_MODULE)
      .then((h) => auditPlugin(store, h.knex, h, actor, action, plugin, after))
      .catch(() => {});
  };
  return {
    async read(object, query) {
      const q = isObj(query) ? query : {};
      audit('plugin.call', { fn: 'read', object, op: q.op });
      const records = await store.records(tenant);
      if (q.op === 'get') return (await records.get(object, typeof q.id === 'string' ? q.id : '')) ?? null;
      const list: Record<string, unknown> = {};
      if (q.filter !== undefined) list.filter = q.filter;
      if (q.sort !== undefined) list.sort = q.sort;
      list.limit = typeof q.limit === 'number' ? Math.min(q.limit, 200) : 50;
      return (await records.list(object, list)).data;
    },
    async write(object, change) {
      const c = isObj(change) ? change : {};
      audit('plugin.call', { fn: 'write', object, op: c.op, id: c.id ?? null });
      const records = await store.records(tenant);
      // The records service validates the values like any caller's.
      if (c.op === 'create') return records.create(object, c.values as Record<string, unknown>, actor);
      if (c.op === 'update') return records.update(object, typeof c.id === 'string' ? c.id : '', c.values as Record<string, unknown>, actor);
      return bad('write needs op "create" or "update"');
    },
    async fetch(url, init) {
      const i = isObj(init) ? init : {};
      const method = typeof i.method === 'string' ? i.method.toUpperCase() : 'GET';
      audit('plugin.call', { fn: 'fetch', url: url.slice(0, 300), method });
      const headers: Record<string, string> = {};
      // Hop-by-hop and routing headers are the client's business, not the plugin's.
      const reserved = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'upgrade', 'proxy-authorization']);
      if (isObj(i.headers)) for (const [k, v] of Object.entries(i.headers)) if (typeof v === 'string' && !reserved.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
      let body: string | undefined;
      if (typeof i.body === 'string') body = i.body;
      else if (i.json !== undefined) {
        body = JSON.stringify(i.json);
        headers['content-type'] ??= 'application/json';
      }
      try {
        const res = await guardedRequest(
          url,
          { method, headers, ...(body === undefined ? {} : { body }) },
          {
            timeoutMs: outbound.timeoutMs ?? 2_000,
            maxBytes: outbound.maxBytes ?? 256 * 1024,
            maxRedirects: 0,
            ...(outbound.allowHosts ? { allowHosts: outbound.allowHosts } : {}),
            ...(outbound.ca ? { ca: outbound.ca } : {}),
          },
        );
        let json: unknown = null;
        try {
          json = JSON.parse(res.text) as unknown;
        } catch {
          // not JSON: the plugin reads `body`
        }
        return { status: res.status, ok: res.status >= 200 && res.status < 300, body: res.text, json };
      } catch (error) {
        if (error instanceof OutboundRefused) {
          record.denied.push(`fetch refused by the SSRF guard: ${error.message}`);
          audit('plugin.denied', { fn: 'fetch', url: url.slice(0, 300), rule: error.rule });
        }
        throw error;
      }
    },
    // The manifest's `capabilities.org` was checked by the pool (and its grant by the admin's consent).
    async org(op, input) {
      if (op !== 'sync') return bad(`unknown org operation "${String(op).slice(0, 50)}"`);
      const result = await applyOrgSync(store, tenant, plugin, input);
      audit('plugin.call', { fn: 'org', op, mode: isObj(input) ? input.mode : null, effectiveFrom: result.effectiveFrom, counts: result.counts });
      return result;
    },
    denied(fn, reason) {
      record.denied.push(reason);
      audit('plugin.denied', { fn, reason });
    },
  };
}
