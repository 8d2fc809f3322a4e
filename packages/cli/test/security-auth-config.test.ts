// Issue #12: ATTAIN_ADMIN_PASSWORD (the first admin's password, and its reset) passes the same
// password policy as the API (15); the metrics and proxy settings of findings 16 and 19.
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

describe('security settings from the environment', () => {
  it('reads ATTAIN_METRICS_TOKEN, ATTAIN_METRICS_ADDR and ATTAIN_TRUST_PROXY', () => {
    const c = readConfig({ ATTAIN_METRICS_TOKEN: 'm'.repeat(20), ATTAIN_METRICS_ADDR: '127.0.0.1:9464', ATTAIN_TRUST_PROXY: '10.0.0.0/8, 192.168.0.1' });
    expect(c).toMatchObject({ metricsToken: 'm'.repeat(20), metricsAddr: '127.0.0.1:9464', trustProxy: '10.0.0.0/8, 192.168.0.1' });
    expect(readConfig({ ATTAIN_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(readConfig({}).trustProxy).toBeUndefined();
    expect(readConfig({}).metricsToken).toBeUndefined();
    expect(() => readConfig({ ATTAIN_TRUST_PROXY: 'yes please' })).toThrow(/ATTAIN_TRUST_PROXY/);
  });
});
