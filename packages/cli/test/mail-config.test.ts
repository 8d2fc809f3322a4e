// The inbound-mail receiver's configuration: off unless a domain is set; port, host and size
// limit from the environment, refused in words when malformed.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';

describe('inbound mail config', () => {
  it('is off by default and on with ATTAIN_MAIL_DOMAIN', () => {
    expect(readConfig({}).mail).toBeUndefined();
    expect(readConfig({ ATTAIN_MAIL_DOMAIN: 'Log.Example.com' }).mail).toEqual({ domain: 'log.example.com', port: 2525, host: '0.0.0.0', maxBytes: 10 * 1024 * 1024 });
    expect(readConfig({ ATTAIN_MAIL_DOMAIN: 'log.example.com', ATTAIN_MAIL_PORT: '25', ATTAIN_MAIL_HOST: '127.0.0.1', ATTAIN_MAIL_MAX_MB: '2' }).mail).toEqual({
      domain: 'log.example.com',
      port: 25,
      host: '127.0.0.1',
      maxBytes: 2 * 1024 * 1024,
    });
  });

  it('refuses a bad domain, port or size naming the variable', () => {
    expect(() => readConfig({ ATTAIN_MAIL_DOMAIN: 'not a domain' })).toThrow(/ATTAIN_MAIL_DOMAIN/);
    expect(() => readConfig({ ATTAIN_MAIL_DOMAIN: 'log.example.com', ATTAIN_MAIL_PORT: '70000' })).toThrow(/ATTAIN_MAIL_PORT/);
    expect(() => readConfig({ ATTAIN_MAIL_DOMAIN: 'log.example.com', ATTAIN_MAIL_MAX_MB: '0' })).toThrow(/ATTAIN_MAIL_MAX_MB/);
  });
});
