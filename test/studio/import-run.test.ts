// The failed rows of an import, downloadable: the file's own columns, then why each row failed.
import { describe, expect, it } from 'vitest';
import { failedRowsCsv } from '../../studio/src/screens/records/import-run.ts';

describe('failed rows of an import', () => {
  it('keeps the columns as read, quotes what needs it and adds the reasons', () => {
    const csv = failedRowsCsv(['Name', 'Amount'], [{ index: 3, cells: ['Acme, Inc', '12.5'], reasons: ['amount: must have at most 2 decimal places', 'name: "x" is taken'] }], 'Why it failed');
    expect(csv).toBe('\uFEFFName,Amount,Why it failed\r\n"Acme, Inc",12.5,"amount: must have at most 2 decimal places; name: ""x"" is taken"\r\n');
  });
});
