/**
 * Source text evaluated INSIDE isolates (never on the host). Each script captures the
 * intrinsics it needs before any tenant code runs, so later tampering cannot redirect it.
 * Results leave the isolate as a string tagged by its first character, or a Float64Array:
 *   J<json>   a JSON result         E<message>  the guest threw
 *   O<bytes>  output too large      M           the hook is not defined by the plugin code
 *   X<what>   the call overwrote a shared intrinsic (the isolate must be discarded)
 */

/** Shared by both runtimes: render any thrown value as bounded text without trusting it. */
const DESCRIBE = `
  const describe = (e) => {
    try {
      let text;
      if (e instanceof Error) text = String(e.name) + ': ' + String(e.message);
      else if (typeof e === 'string') text = 'non-Error thrown: ' + e;
      else text = 'non-Error thrown: ' + String(e);
      return text.length > 2000 ? text.slice(0, 2000) + '…' : text;
    } catch {
      return 'non-Error thrown (unprintable)';
    }
  };`;

/**
 * Freezes every object reachable from the global object and the hidden intrinsics, so that
 * prototype poisoning cannot outlive the code that attempted it. `$0`: also freeze globalThis.
 * Object.prototype and Array.prototype are sealed instead (no new or deleted properties): a
 * frozen Array.prototype disables V8's fast paths for holey arrays and makes a 1M-row batch
 * ~3x slower. Overwriting one of their existing methods is caught by the batch runtime's
 * integrity check (the isolate is then discarded); a hook context whose call overwrote one is
 * not reused (see HOOK_RUNTIME_SOURCE).
 */
export const HARDEN_SOURCE = `
  const freezeGlobal = $0;
  const seen = new Set();
  const stack = [];
  const visit = (o) => {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    stack.push(o);
  };
  const samples = [
    function* () {}, async function () {}, async function* () {}, () => {},
    [].values(), new Map().entries(), new Set().values(), ''[Symbol.iterator](),
    /x/[Symbol.matchAll](''), (function* () {})(), (async function* () {})(),
    new Int8Array(0), Promise.resolve(), new Error('x'), new WeakRef({}),
  ];
  visit(globalThis);
  for (const s of samples) visit(s);
  const thrower = Object.getOwnPropertyDescriptor(Function.prototype, 'caller');
  if (thrower) { visit(thrower.get); visit(thrower.set); }
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === Object.prototype || o === Array.prototype) {
      Object.seal(o);
    } else if (o !== globalThis || freezeGlobal) {
      try { Object.freeze(o); } catch { /* typed arrays with elements cannot be frozen */ }
    }
    visit(Object.getPrototypeOf(o));
    const descriptors = Object.getOwnPropertyDescriptors(o);
    for (const key of Reflect.ownKeys(descriptors)) {
      const d = descriptors[key];
      visit(d.value); visit(d.get); visit(d.set);
    }
  }
  undefined;`;

/**
 * Evaluates to the batch entry point run(fn, rowCount, jsonColumns, numericNames, maxOut, mode, ...bins).
 * A bin is a Float64Array (copied in) or an ArrayBuffer (transferred in, zero-copy); the guest
 * always sees a Float64Array. mode 0: numeric results of at least NUMERIC_MIN rows come back as
 * one Float64Array (one memcpy) instead of JSON text. mode 1 ('float64' output): the result must
 * be numeric (null becomes NaN) and always comes back as a Float64Array.
 */
export const BATCH_RUNTIME_SOURCE = `(() => {
  const F64 = Float64Array;
  const AB = ArrayBuffer;
  const apply = Reflect.apply;
  const transfer = AB.prototype.transfer;
  const bufferOf = Reflect.getOwnPropertyDescriptor(Object.getPrototypeOf(F64.prototype), 'buffer').get;
  // Column and result buffers are megabytes of external memory; left to the GC they made it run
  // every call or two. They are detached (freed) as soon as the runtime is done with them: the
  // transferred-in columns when the call returns, the last result when the next call starts
  // (the host has copied it out by then).
  let lastResult = null;
  const release = (buffer) => {
    try { if (buffer instanceof AB && buffer.byteLength > 0) apply(transfer, buffer, [0]); } catch {}
  };
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const isArray = Array.isArray;
  const NUMERIC_MIN = 64;
  ${DESCRIBE}
  // Snapshot of the two sealed prototypes; compared after every call (about 60 reads).
  const watched = [];
  for (const o of [Object.prototype, Array.prototype]) {
    for (const key of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, key);
      if ('value' in d) watched.push(o, key, d.value);
    }
  }
  const tampered = () => {
    for (let i = 0; i < watched.length; i += 3) {
      if (watched[i][watched[i + 1]] !== watched[i + 2]) return String(watched[i + 1]);
    }
    return null;
  };
  return function run(fn, n, json, names, maxOut, mode, ...bins) {
    if (lastResult !== null) {
      release(apply(bufferOf, lastResult, []));
      lastResult = null;
    }
    const result = mode === 1 ? executeF64(fn, n, json, names, maxOut, bins) : execute(fn, n, json, names, maxOut, bins);
    for (let i = 0; i < bins.length; i++) if (bins[i] instanceof AB) release(bins[i]);
    if (result instanceof F64) lastResult = result;
    const changed = tampered();
    return changed === null ? result : 'Xthe formula overwrote the built-in "' + changed + '"';
  };
  function call(fn, n, json, names, bins) {
    const columns = json === '' ? {} : parse(json);
    for (let i = 0; i < names.length; i++) {
      const bin = bins[i];
      columns[names[i]] = bin instanceof AB ? new F64(bin) : bin;
    }
    return fn(columns, n);
  }
  function executeF64(fn, n, json, names, maxOut, bins) {
    try {
      const out = call(fn, n, json, names, bins);
      const typed = out instanceof F64;
      if (!typed && !isArray(out)) return 'Eresult is not an array';
      if (out.length !== n) return 'Eresult has length ' + out.length + ', expected ' + n;
      if (n * 8 > maxOut) return 'O' + n * 8;
      if (typed) return out;
      const f = new F64(n);
      for (let i = 0; i < n; i++) {
        const v = out[i];
        if (typeof v === 'number') f[i] = v;
        else if (v === null) f[i] = NaN;
        else return 'Eresult is not numeric (row ' + i + ')';
      }
      return f;
    } catch (e) {
      return 'E' + describe(e);
    }
  }
  function execute(fn, n, json, names, maxOut, bins) {
    try {
      const out = call(fn, n, json, names, bins);
      if (out instanceof F64) {
        if (out.length !== n) return 'Eresult has length ' + out.length + ', expected ' + n;
        if (n * 8 > maxOut) return 'O' + n * 8;
        return out;
      }
      if (!isArray(out)) return 'Eresult is not an array';
      if (out.length !== n) return 'Eresult has length ' + out.length + ', expected ' + n;
      if (n >= NUMERIC_MIN && n * 8 <= maxOut) {
        const f = new F64(n);
        let numeric = true;
        for (let i = 0; i < n; i++) {
          const v = out[i];
          // v - v === 0 only for finite numbers; NaN/Infinity must become null like JSON.
          if (typeof v !== 'number' || v - v !== 0) { numeric = false; break; }
          f[i] = v;
        }
        if (numeric) return f;
      }
      const text = stringify(out);
      if (typeof text !== 'string') return 'Eresult is not JSON';
      if (text.length > maxOut) return 'O' + text.length;
      return 'J' + text;
    } catch (e) {
      return 'E' + describe(e);
    }
  }
})()`;

/**
 * Run with evalClosure: $0 is a Reference to the worker's bridge (kept in this closure only,
 * never reachable by plugin code), $1 the JSON list of granted host functions.
 * Defines the global \`hooks\` object and returns invoke(name, alias, inputJson, maxOut, token).
 * The context is warm: invoke runs once per call, each call with its own \`host\` object whose
 * functions carry the call's token (a promise left running by an earlier call reaches nothing).
 * A call that overwrote a method of Object.prototype or Array.prototype gets its reply prefixed
 * with 'T', and the worker discards the context instead of reusing it.
 */
export const HOOK_RUNTIME_SOURCE = `
  const bridge = $0;
  const granted = JSON.parse($1);
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const ErrorCtor = Error;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const applyOptions = freeze({
    arguments: freeze({ copy: true }),
    result: freeze({ promise: true, copy: true }),
  });
  ${DESCRIBE}
  const call = async (token, fn, args) => {
    const json = stringify(args);
    const reply = await bridge.apply(undefined, [token, fn, typeof json === 'string' ? json : '[]'], applyOptions);
    if (typeof reply !== 'string') throw new ErrorCtor('host call failed');
    if (reply[0] === 'J') return parse(reply.slice(1));
    const colon = reply.indexOf(':');
    const error = new ErrorCtor(reply.slice(colon + 1));
    error.code = reply.slice(1, colon);
    throw error;
  };
  const canRead = granted.includes('read');
  const canWrite = granted.includes('write');
  const canFetch = granted.includes('fetch');
  const canOrg = granted.includes('org');
  const hostFor = (token) => {
    const host = {};
    if (canRead) host.read = (object, query) => call(token, 'read', [object, query === undefined ? null : query]);
    if (canWrite) host.write = (object, record) => call(token, 'write', [object, record === undefined ? null : record]);
    if (canFetch) host.fetch = (url, init) => call(token, 'fetch', [url, init === undefined ? null : init]);
    if (canOrg) host.org = (op, input) => call(token, 'org', [op, input === undefined ? null : input]);
    return freeze(host);
  };
  // Snapshot of the two sealed prototypes (their methods stay writable); compared after each call.
  const ownKeys = Reflect.ownKeys;
  const describeProperty = Reflect.getOwnPropertyDescriptor;
  const watched = [];
  for (const o of [Object.prototype, Array.prototype]) {
    for (const key of ownKeys(o)) {
      const d = describeProperty(o, key);
      if ('value' in d) watched.push(o, key, d.value);
    }
  }
  const tampered = () => {
    for (let i = 0; i < watched.length; i += 3) if (watched[i][watched[i + 1]] !== watched[i + 2]) return true;
    return false;
  };
  const hooks = Object.create(null);
  defineProperty(globalThis, 'hooks', { value: hooks, writable: false, enumerable: false, configurable: false });
  const run = async (name, alias, inputJson, maxOut, token) => {
    try {
      let fn = hooks[name];
      if (typeof fn !== 'function') fn = hooks[alias];
      if (typeof fn !== 'function') return 'M';
      const out = await fn(parse(inputJson), hostFor(token));
      const text = out === undefined ? 'null' : stringify(out);
      if (typeof text !== 'string') return 'Eresult is not JSON';
      if (text.length > maxOut) return 'O' + text.length;
      return 'J' + text;
    } catch (e) {
      return 'E' + describe(e);
    }
  };
  return async function invoke(name, alias, inputJson, maxOut, token) {
    const reply = await run(name, alias, inputJson, maxOut, token);
    return tampered() ? 'T' + reply : reply;
  };`;
