/**
 * Source text appended to every plugin bundle and evaluated INSIDE the isolate (never on the
 * host). It turns the plugin's `definePlugin({...})` into entries of the sandbox's global
 * `hooks` object, and gives each handler the SDK (`attain.records`, `fetch`, `log`, `settings`)
 * built over the granted host functions. Every SDK call crosses to the host, which checks the
 * grant again and audits it; this code is convenience, not a security boundary.
 */
export const BUNDLE_GLOBAL = '__attainPlugin';

export const SDK_GLUE = `
;(() => {
  const mod = ${BUNDLE_GLOBAL};
  const def = (mod && mod.default) || mod || {};
  const sdk = (host, settings, logs, refused) => {
    // Calls the manifest does not even ask for never reach the host; they are reported with the result.
    const denied = (what) => {
      const message = 'the plugin was not granted ' + what;
      refused.push(message);
      const e = new Error(message);
      e.code = 'capability_denied';
      throw e;
    };
    // A refusal by the sandbox (object or URL outside the grant) is reported even if the plugin catches it.
    const watch = (p) => p.catch((e) => {
      if (e && e.code === 'capability_denied') refused.push(String(e.message));
      throw e;
    });
    const read = (object, query) => (host.read ? watch(host.read(object, query)) : denied('read access to ' + object));
    const write = (object, change) => (host.write ? watch(host.write(object, change)) : denied('write access to ' + object));
    return Object.freeze({
      records: Object.freeze({
        get: (object, id) => read(object, { op: 'get', id }),
        list: (object, query) => read(object, Object.assign({}, query || {}, { op: 'list' })),
        create: (object, values) => write(object, { op: 'create', values }),
        update: (object, id, values) => write(object, { op: 'update', id, values }),
      }),
      fetch: (url, init) => (host.fetch ? watch(host.fetch(url, init || {})) : denied('fetch')),
      org: Object.freeze({
        sync: (input) => (host.org ? watch(host.org('sync', input)) : denied('org sync')),
      }),
      log: (...args) => {
        if (logs.length < 50) logs.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ').slice(0, 1000));
      },
      settings: Object.freeze(Object.assign({}, settings || {})),
    });
  };
  const wrap = (fn, pick) => async (input, host) => {
    const logs = [];
    const refused = [];
    try {
      const result = await pick(fn, input, sdk(host, input && input.settings, logs, refused));
      return { result: result === undefined ? null : result, logs, denied: refused };
    } catch (e) {
      if (refused.length > 0) return { result: null, logs, denied: refused };
      throw e;
    }
  };
  for (const [name, fn] of Object.entries(def.hooks || {})) {
    if (typeof fn === 'function') hooks[name] = wrap(fn, (f, input, attain) => f(input.event, attain));
  }
  for (const [name, fn] of Object.entries(def.formulas || {})) {
    if (typeof fn === 'function') hooks['formula:' + name] = wrap(fn, (f, input) => input.rows.map((args) => f(...args)));
  }
  if (typeof def.inbound === 'function') hooks.inbound = wrap(def.inbound, (f, input, attain) => f(input.event, attain));
  for (const [name, fn] of Object.entries(def.jobs || {})) {
    if (typeof fn === 'function') hooks['job:' + name] = wrap(fn, (f, input, attain) => f(input.event, attain));
  }
})();
`;

/** The virtual `attain:sdk` module plugin code imports; types come from `attain-sdk.d.ts`. */
export const SDK_MODULE = `export function definePlugin(definition) { return definition; }`;
