import { describe, expect, it } from 'vitest';
import { capabilityProblem, SandboxError, urlAllowed, validateManifest } from '../src/index.ts';
import { grantedFunctions, parseUrlPattern } from '../src/manifest.ts';

const good = {
  name: 'acme-crm',
  version: '1.2.3-beta.1+build.5',
  description: 'demo',
  capabilities: { read: ['customer'], write: ['order'], fetch: ['https://api.example.com/v1/*', 'https://hooks.example.com/ping'] },
  hooks: ['beforeCreate:order', 'afterUpdate:customer', 'formula:MYFUNC'],
};

function problems(value: unknown): Array<{ path: string; rule: string }> {
  try {
    validateManifest(value);
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxError);
    const e = error as SandboxError;
    expect(e.code).toBe('invalid_manifest');
    expect(e.toJSON().error.details).toEqual(e.details);
    return e.details.map(({ path, rule }) => ({ path, rule }));
  }
  return [];
}

describe('validateManifest', () => {
  it('accepts a valid manifest and returns a frozen normalised copy', () => {
    const m = validateManifest(good);
    expect(m).toEqual(good);
    expect(m).not.toBe(good);
    expect(Object.isFrozen(m.capabilities.read)).toBe(true);
    expect(validateManifest({ name: 'x1', version: '0.0.1' })).toEqual({ name: 'x1', version: '0.0.1', capabilities: {}, hooks: [] });
  });

  it('rejects non-objects', () => {
    for (const v of [null, 1, 'x', [], new Date()]) expect(problems(v)).toEqual([{ path: '', rule: 'type' }]);
  });

  it('names every problem with its path and rule', () => {
    expect(
      problems({
        name: 'Bad Name',
        version: '1.0',
        description: 5,
        extra: true,
        capabilities: {
          read: 'customer',
          write: ['Order', 'order', 'order'],
          fetch: ['http://x.com/', 'https://a.com/*/b', 'https://u:p@a.com/', 'https://a.com/?q=1', 'nope', 'https://a.com/a/../b'],
          exec: [],
        },
        hooks: ['beforeCreate:order', 'onBoot:x', 3, 'formula:lower', 'beforeCreate:order'],
      }),
    ).toEqual([
      { path: 'extra', rule: 'additionalProperties' },
      { path: 'name', rule: 'pattern' },
      { path: 'version', rule: 'semver' },
      { path: 'description', rule: 'type' },
      { path: 'capabilities.exec', rule: 'additionalProperties' },
      { path: 'capabilities.read', rule: 'type' },
      { path: 'capabilities.write[0]', rule: 'format' },
      { path: 'capabilities.write[2]', rule: 'uniqueItems' },
      { path: 'capabilities.fetch[0]', rule: 'format' },
      { path: 'capabilities.fetch[1]', rule: 'format' },
      { path: 'capabilities.fetch[2]', rule: 'format' },
      { path: 'capabilities.fetch[3]', rule: 'format' },
      { path: 'capabilities.fetch[4]', rule: 'format' },
      { path: 'capabilities.fetch[5]', rule: 'format' },
      { path: 'hooks[1]', rule: 'format' },
      { path: 'hooks[2]', rule: 'type' },
      { path: 'hooks[3]', rule: 'format' },
      { path: 'hooks[4]', rule: 'uniqueItems' },
    ]);
    expect(problems({ name: 'a', version: '1.0.0', capabilities: [] })).toEqual([{ path: 'capabilities', rule: 'type' }]);
    expect(problems({ name: 'a', version: '1.0.0', hooks: Array.from({ length: 101 }, (_, i) => `afterCreate:o${i}`) })).toEqual([{ path: 'hooks', rule: 'maxItems' }]);
    expect(problems({ name: 'a'.repeat(65), version: '01.0.0' }).map((p) => p.path)).toEqual(['name', 'version']);
  });

  it('refuses manifests with a polluted prototype', () => {
    expect(problems(Object.create({ name: 'x' }))).toEqual([{ path: '', rule: 'type' }]);
    expect(problems(JSON.parse('{"name":"a","version":"1.0.0","__proto__":{"x":1}}'))).toEqual([{ path: '__proto__', rule: 'additionalProperties' }]);
  });
});

describe('fetch allowlist', () => {
  const patterns = ['https://api.example.com/v1/*', 'https://hooks.example.com/ping'];
  it('matches origin exactly and the path as written', () => {
    expect(urlAllowed(patterns, 'https://api.example.com/v1/orders?x=1')).toBe(true);
    expect(urlAllowed(patterns, 'https://hooks.example.com/ping')).toBe(true);
    expect(urlAllowed(patterns, 'https://hooks.example.com/ping/2')).toBe(false);
    expect(urlAllowed(patterns, 'https://api.example.com/v2/orders')).toBe(false);
    expect(urlAllowed(patterns, 'https://api.example.com/v1/../admin')).toBe(false);
    expect(urlAllowed(patterns, 'https://api.example.com.evil.com/v1/x')).toBe(false);
    expect(urlAllowed(patterns, 'https://api.example.com@evil.com/v1/x')).toBe(false);
    expect(urlAllowed(patterns, 'https://u:p@api.example.com/v1/x')).toBe(false);
    expect(urlAllowed(patterns, 'http://api.example.com/v1/x')).toBe(false);
    expect(urlAllowed(patterns, 'not a url')).toBe(false);
    expect(urlAllowed(['garbage'], 'https://api.example.com/')).toBe(false);
  });
  it('parses patterns', () => {
    expect(parseUrlPattern('https://a.com')).toEqual({ origin: 'https://a.com', path: '/', prefix: false });
    expect(parseUrlPattern(`https://a.com/${'x'.repeat(2100)}`)).toBe('pattern is too long');
    expect(parseUrlPattern('https://A.com/')).toMatch(/normal form/);
  });
});

describe('capabilityProblem', () => {
  const m = validateManifest(good);
  it('allows only granted objects, URLs and functions', () => {
    expect(capabilityProblem(m, 'read', ['customer', {}])).toBeNull();
    expect(capabilityProblem(m, 'read', ['order'])).toMatch(/may not read object "order"/);
    expect(capabilityProblem(m, 'write', ['order'])).toBeNull();
    expect(capabilityProblem(m, 'write', [42])).toMatch(/may not write/);
    expect(capabilityProblem(m, 'fetch', ['https://api.example.com/v1/a'])).toBeNull();
    expect(capabilityProblem(m, 'fetch', ['https://evil.com/'])).toMatch(/may not fetch/);
    expect(capabilityProblem(m, 'fetch', [null])).toMatch(/may not fetch/);
    expect(capabilityProblem(m, 'exec', [])).toMatch(/unknown host function/);
    const bare = validateManifest({ name: 'bare', version: '1.0.0' });
    expect(capabilityProblem(bare, 'read', ['customer'])).toMatch(/no "read" capability/);
    expect(capabilityProblem(bare, 'fetch', ['https://a.com/'])).toMatch(/no "fetch" capability/);
    expect(grantedFunctions(m)).toEqual(['read', 'write', 'fetch']);
    expect(grantedFunctions(bare)).toEqual([]);
  });
});
