import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';

describe('operations settings', () => {
  it('reads the job lease and the shutdown delay and timeout, refusing what is not a bounded number of milliseconds', () => {
    expect(readConfig({})).toMatchObject({ jobLeaseMs: 60_000, shutdownDelayMs: 0, shutdownTimeoutMs: 30_000 });
    expect(readConfig({ ATTAIN_JOB_LEASE_MS: '5000', ATTAIN_SHUTDOWN_DELAY_MS: '10000', ATTAIN_SHUTDOWN_TIMEOUT_MS: '' })).toMatchObject({
      jobLeaseMs: 5000,
      shutdownDelayMs: 10_000,
      shutdownTimeoutMs: 30_000,
    });
    expect(() => readConfig({ ATTAIN_JOB_LEASE_MS: '999' })).toThrow('ATTAIN_JOB_LEASE_MS must be a whole number of milliseconds from 1000 to 3600000, not "999"');
    expect(() => readConfig({ ATTAIN_SHUTDOWN_DELAY_MS: '1.5' })).toThrow(/ATTAIN_SHUTDOWN_DELAY_MS/);
    expect(() => readConfig({ ATTAIN_SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow(/ATTAIN_SHUTDOWN_TIMEOUT_MS/);
  });
});
