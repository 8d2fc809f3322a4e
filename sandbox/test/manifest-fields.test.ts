import { describe, expect, it } from 'vitest';
import { SandboxError, validateManifest } from '../src/index.ts';
import { nextRun, parseRange, rangeSatisfied, scheduleMinutes, secretSettings } from '../src/manifest-fields.ts';
import { formulaHookProblems } from '../src/manifest-formulas.ts';

function problems(value: unknown): string[] {
  try {
    validateManifest(value);
  } catch (error) {
    return (error as SandboxError).details.map((d) => `${d.path} ${d.rule}`);
  }
  return [];
}

const base = { name: 'p', version: '1.0.0' };

describe('install-time manifest fields', () => {
  it('accepts a full manifest and adds a hook per job', () => {
    const m = validateManifest({
      ...base,
      description: { en: 'Hi', 'zh-CN': '你好' },
      attain: '>=0.1.0 <1.0.0 || ^2.0.0',
      hooks: ['formula:BONUS'],
      jobs: [
        { name: 'nightly', schedule: 'daily@01:30' },
        { name: 'often', schedule: 'every:15m' },
      ],
      settings: { type: 'object', required: ['url'], properties: { url: { type: 'string' }, key: { type: 'string', secret: true }, n: { type: 'integer' } } },
      main: 'src/main.ts',
    });
    expect(m.hooks).toEqual(['formula:BONUS', 'job:nightly', 'job:often']);
    expect(m.description).toEqual({ en: 'Hi', 'zh-CN': '你好' });
    expect(m.main).toBe('src/main.ts');
    expect(secretSettings(m.settings)).toEqual(['key']);
    expect(secretSettings(undefined)).toEqual([]);
    expect(validateManifest({ ...base, description: { en: 'only' } }).description).toEqual({ en: 'only' });
  });

  it('names every bad field and rule', () => {
    expect(
      problems({
        ...base,
        description: { en: 'x', fr: 'y' },
        attain: '^1.x',
        jobs: [
          { name: 'Bad', schedule: 'daily' },
          { name: 'ok', schedule: 'every:2m' },
          { name: 'ok2', schedule: 'weekly' },
          { name: 'ok3', schedule: 'hourly' },
          { name: 'ok3', schedule: 'hourly' },
          { name: 'x', schedule: 'hourly', extra: 1 },
        ],
        settings: { type: 'object', required: ['nope'], properties: { a: { type: 'array' }, b: { type: 'number', secret: true }, 'bad name': { type: 'string' } } },
        main: '../escape.ts',
      }),
    ).toEqual([
      'description type',
      'attain semverRange',
      'jobs[0].name pattern',
      'jobs[1].schedule schedule',
      'jobs[2].schedule schedule',
      'jobs[4].name uniqueItems',
      'jobs[5].extra additionalProperties',
      'settings.properties.a.type enum',
      'settings.properties.b.secret type',
      'settings.properties.bad name pattern',
      'settings.required type',
      'main pattern',
    ]);
    expect(problems({ ...base, jobs: 'x', settings: [] })).toEqual(['jobs type', 'settings type']);
    expect(problems({ ...base, settings: { type: 'array' } })).toEqual(['settings.type const']);
    expect(problems({ ...base, settings: { type: 'object', properties: [] } })).toEqual(['settings.properties type']);
    expect(problems({ ...base, hooks: ['job:x'] })).toEqual([]);
  });

  it('checks Attain version ranges like semver', () => {
    expect(rangeSatisfied('^0.1.0', '0.1.5')).toBe(true);
    expect(rangeSatisfied('^0.1.0', '0.2.0')).toBe(false);
    expect(rangeSatisfied('^1.2.0', '1.9.0')).toBe(true);
    expect(rangeSatisfied('^1.2.0', '2.0.0')).toBe(false);
    expect(rangeSatisfied('~1.2.0', '1.2.9')).toBe(true);
    expect(rangeSatisfied('~1.2.0', '1.3.0')).toBe(false);
    expect(rangeSatisfied('>1.0.0 <=2.0.0', '2.0.0')).toBe(true);
    expect(rangeSatisfied('>1.0.0', '1.0.0')).toBe(false);
    expect(rangeSatisfied('=1.0.0', '1.0.0-beta.1')).toBe(true);
    expect(rangeSatisfied('1.0.0', '1.0.1')).toBe(false);
    expect(rangeSatisfied('*', '5.5.5')).toBe(true);
    expect(rangeSatisfied('<1.0.0 || >=3.0.0', '2.0.0')).toBe(false);
    expect(rangeSatisfied('^1.0.0', 'garbage')).toBe(false);
    expect(parseRange('')).toBeNull();
    expect(parseRange('|| ^1.0.0')).toBeNull();
    expect(rangeSatisfied('nonsense', '1.0.0')).toBe(false);
  });

  it('computes schedules', () => {
    expect(scheduleMinutes('hourly')).toBe(60);
    expect(scheduleMinutes('daily')).toBe(1440);
    expect(scheduleMinutes('every:30m')).toBe(30);
    expect(scheduleMinutes('every:4m')).toBeNull();
    expect(scheduleMinutes(5)).toBeNull();
    const t = new Date('2026-03-01T10:20:00Z');
    expect(nextRun('hourly', t).toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(nextRun('every:15m', t).toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(nextRun('daily', t).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(nextRun('daily@01:00', t).toISOString()).toBe('2026-03-02T01:00:00.000Z');
    expect(nextRun('daily@23:00', t).toISOString()).toBe('2026-03-01T23:00:00.000Z');
  });

  it('declares formula functions with argument and result types; each adds its hook', () => {
    const m = validateManifest({
      ...base,
      hooks: ['formula:BONUS'],
      formulas: { BONUS: { args: ['numeric', 'percent', 'any'], returns: 'money', label: { en: 'Bonus', 'zh-CN': '奖金' } }, FLAG: { args: [], returns: 'boolean' } },
    });
    expect(m.formulas).toEqual({ BONUS: { args: ['numeric', 'percent', 'any'], returns: 'money', label: { en: 'Bonus', 'zh-CN': '奖金' } }, FLAG: { args: [], returns: 'boolean' } });
    expect(m.hooks).toEqual(['formula:BONUS', 'formula:FLAG']);
    expect(problems({ ...base, formulas: [] })).toEqual(['formulas type']);
    expect(
      problems({
        ...base,
        formulas: { lower: { args: [], returns: 'number' }, A: 1, B: { args: ['float'], returns: 'number' }, C: { args: [], returns: 'null' }, D: { args: [], returns: 'text', extra: 1, label: 5 } },
      }),
    ).toEqual(['formulas.lower pattern', 'formulas.A type', 'formulas.B.args enum', 'formulas.C.returns enum', 'formulas.D.extra additionalProperties', 'formulas.D.label type']);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`F${i}`, { args: [], returns: 'number' }]));
    expect(problems({ ...base, formulas: many })).toEqual(['formulas maxProperties']);
  });

  it('at install, a formula hook without a signature is a mismatch', () => {
    const details: Array<{ path: string; rule: string; message: string }> = [];
    formulaHookProblems(['beforeCreate:order', 'formula:A', 'formula:B'], { A: { args: [], returns: 'number' } }, details);
    expect(details.map((d) => `${d.path} ${d.rule}`)).toEqual(['hooks[2] formula_signature']);
    formulaHookProblems(['formula:A'], undefined, details);
    expect(details).toHaveLength(2);
  });
});
