// Issue #12, finding 15: ATTAIN_ADMIN_PASSWORD (the first admin's password, and its reset) passes
// the same password policy as the API.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';
import { checkAdminPassword } from '../src/demo-tenant.ts';
import { startAttain } from '../src/start.ts';

describe('ATTAIN_ADMIN_PASSWORD', () => {
  it('stops the start with the reasons when it is weak, before touching any database', async () => {
    for (const weak of ['password12', 'aaaaaaaaaa', '1234567890', 'short', 'admin@demo.local', 'Passw0rd!!']) {
      const config = readConfig({ ATTAIN_ADMIN_PASSWORD: weak, ATTAIN_DATA_DIR: '/nonexistent/attain-weak-password' });
      expect(() => checkAdminPassword(config), weak).toThrow(/ATTAIN_ADMIN_PASSWORD does not meet the password policy: it (must|is too easy)/);
      await expect(startAttain({ config, listen: false, logger: false })).rejects.toThrow(/ATTAIN_ADMIN_PASSWORD/);
    }
  });

  it('accepts a strong one, and an unset one (a random password is generated)', () => {
    expect(() => checkAdminPassword(readConfig({ ATTAIN_ADMIN_PASSWORD: 'first-password-1' }))).not.toThrow();
    expect(() => checkAdminPassword(readConfig({}))).not.toThrow();
  });
});
