// The import runner's isolation of bad rows, with a toy kind whose owner refuses without naming
// rows: the runner narrows the refusal down (halves, then single rows), so a bad row still fails
// alone; an error that is not a refusal (a 500) is not swallowed.
import { describe, expect, it } from 'vitest';
import { AttainError } from '@attain/meta/errors';
import type { ImportKind, KindContext } from '../src/modules/imports/kind.ts';
import { runImport } from '../src/modules/imports/runner.ts';
import { readCsv } from '../src/modules/imports/sheet.ts';

const written: string[] = [];
const toy = (fail: (v: string) => AttainError | undefined): ImportKind => ({
  name: 'toy',
  label: { en: 'Toy' },
  who: 'anyone',
  allowed: () => true,
  columns: [{ field: 'name', type: 'text', required: true, label: { en: 'Name' } }],
  async check(rows) {
    for (const r of rows) {
      const e = fail(r.values.name as string);
      if (e) throw e;
    }
  },
  async apply(rows) {
    written.push(...rows.map((r) => r.values.name as string));
  },
});
// Toy kinds have only text columns: nothing is looked up through the caller's access.
const ctx = {} as KindContext;

describe('the import runner', () => {
  it('narrows a refusal that names no row down to the rows that cause it', async () => {
    const kind = toy((v) => (v.startsWith('bad') ? new AttainError(422, 'nope', `refused ${v}`) : undefined));
    const sheet = readCsv('name\nok1\nbad1\nok2\nok3\nbad2\n\n');
    const dry = await runImport(kind, sheet, ['name'], ctx, true);
    expect(dry.rows.map((r) => `${r.row} ${r.status} ${r.errors?.map((e) => `${e.rule} ${e.message}`) ?? ''}`)).toEqual([
      '2 valid ',
      '3 failed nope refused bad1',
      '4 valid ',
      '5 valid ',
      '6 failed nope refused bad2',
    ]);
    expect(written).toEqual([]);
    const real = await runImport(kind, sheet, ['name'], ctx, false);
    expect(real.summary).toEqual({ rows: 5, valid: 3, imported: 3, failed: 2 });
    expect(written).toEqual(['ok1', 'ok2', 'ok3']);
  });

  it('keeps the details of a refusal given for one row, and lets a server error through', async () => {
    const kind = toy((v) => (v === 'x' ? new AttainError(422, 'nope', 'refused', [{ path: '/elsewhere', rule: 'rule_x', message: 'because' }]) : undefined));
    const one = await runImport(kind, readCsv('name;other\nx;1\n'), ['name', ''], ctx, true);
    expect(one.rows).toEqual([{ row: 2, status: 'failed', errors: [{ field: '', rule: 'rule_x', message: 'because', path: '/rows/2' }] }]);
    const broken = toy(() => new AttainError(500, 'internal', 'down'));
    await expect(runImport(broken, readCsv('name\na\n'), ['name'], ctx, true)).rejects.toThrow('down');
    expect(() => readCsv('name\n"open')).toThrow(/never closes/);
    expect(() => readCsv('')).toThrow(/empty/);
  });
});
