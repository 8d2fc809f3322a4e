// The near-duplicate name normaliser (scan-sql.ts) strips a trailing company form from the front
// of the reversed name, for speed; it must give exactly what the one-pass pattern it replaced
// gives. Both run on the database the tests use (PGlite, or PostgreSQL with DATABASE_URL) over
// names chosen to catch the edges: forms only as separate words, several forms, forms mid-name,
// Chinese forms with and without spaces, punctuation runs, empty results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '@attain/store';
import { NAME_FORM_REVERSED, NAME_NOISE, NAME_NOISE_ONE_PASS } from '../src/modules/quality/scan-sql.ts';

let db: Database;
beforeAll(async () => {
  db = await createDatabase({ memory: !process.env.DATABASE_URL });
});
afterAll(async () => {
  await db.knex.destroy();
});

const NAMES = [
  'Acme Inc',
  'ACME, Inc.',
  'Acme Inc. ',
  'Zinc',
  'Z Inc',
  'Acme inc inc',
  'Acme Inc Ltd',
  'Inc',
  ' inc',
  '...inc',
  'Acme Co',
  'Acme Corp.',
  'Acme Corporation!!',
  'Acme Company, Limited',
  'Acme GmbH',
  'Acme LLC -',
  'Acme Incorporated',
  'Acme Incorporatedx',
  'Acme & Co. KG',
  'co',
  'Acme Cooperation',
  '阿里巴巴有限公司',
  '阿里巴巴 有限公司',
  '阿里巴巴（中国）有限责任公司。',
  '公司',
  '公司公司',
  '公司 Inc',
  'Acme 公司 Inc',
  'Acme Inc 公司',
  '华为技术有限公司 ',
  'Müller GmbH & Co.',
  'a-b_c/d',
  '   ',
  '',
  'Opportunity 12 Inc',
  'Opportunity 12',
];

describe('near-duplicate name normaliser', () => {
  it('gives what the one-pass pattern gave, name for name', async () => {
    const rows = (
      await db.knex.raw(
        `select n, nullif(regexp_replace(lower(n), ?, '', 'g'), '') as old, nullif(regexp_replace(reverse(regexp_replace(reverse(lower(n)), ?, '')), ?, '', 'g'), '') as new from unnest(?::text[]) n`,
        [NAME_NOISE_ONE_PASS, NAME_FORM_REVERSED, NAME_NOISE, NAMES],
      )
    ).rows as Array<{ n: string; old: string | null; new: string | null }>;
    expect(rows).toHaveLength(NAMES.length);
    for (const r of rows) expect({ n: r.n, key: r.new }).toEqual({ n: r.n, key: r.old });
    // The forms do go: a sample of what both give.
    const key = Object.fromEntries(rows.map((r) => [r.n, r.new]));
    expect([key['ACME, Inc.'], key.Zinc, key['阿里巴巴 有限公司'], key['Acme inc inc'], key['   ']]).toEqual(['acme', 'zinc', '阿里巴巴', 'acmeinc', null]);
  });
});
