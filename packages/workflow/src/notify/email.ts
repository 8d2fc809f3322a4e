import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import { checkUrl, guardedLookup, OutboundRefused } from './outbound.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  secure?: boolean;
  user?: string;
  pass?: string;
  from: string;
}

/** Where an SMTP connection may go: `allowHosts` for a server a tenant configured, none for the platform's own. */
export interface SmtpGuard {
  allowHosts: readonly string[];
}

/**
 * The address to connect to for a tenant-configured SMTP server. A tenant admin sets the host,
 * so it gets the webhooks' SSRF rules: no metadata names, no private, loopback or link-local
 * address, unless the operator allowed the host. The name is resolved once, checked, and the
 * connection goes to that very address (TLS still verifies the name), so no rebinding in between.
 */
export async function smtpAddress(smtp: SmtpSettings, guard: SmtpGuard): Promise<{ host: string; servername?: string }> {
  const literal = isIP(smtp.host) === 6 ? `[${smtp.host}]` : smtp.host;
  try {
    const url = checkUrl(`https://${literal}:${smtp.port}/`, guard.allowHosts);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const key = host.toLowerCase();
    if (guard.allowHosts.some((a) => a.toLowerCase() === key || a.toLowerCase() === `${key}:${smtp.port}`)) return { host: smtp.host };
    if (isIP(host)) return { host };
    const address = await new Promise<string>((resolve, reject) => {
      guardedLookup(false)(host, {}, (err, addr) => (err ? reject(err) : resolve(String(addr))));
    });
    return { host: address, servername: host };
  } catch (error) {
    if (error instanceof OutboundRefused) {
      throw new OutboundRefused(error.rule, `the SMTP server "${smtp.host}" is not allowed: it is a private, loopback, link-local or metadata address (ask the operator to allow it)`);
    }
    throw error;
  }
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export async function sendEmail(smtp: SmtpSettings, mail: { to: string | string[]; subject: string; text: string; attachments?: MailAttachment[] }, guard?: SmtpGuard): Promise<void> {
  const target = guard ? await smtpAddress(smtp, guard) : { host: smtp.host };
  const transport = nodemailer.createTransport({
    host: target.host,
    port: smtp.port,
    secure: smtp.secure ?? false,
    ...(target.servername ? { tls: { servername: target.servername } } : {}),
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.attachments?.length ? { attachments: mail.attachments } : {}) });
  } finally {
    transport.close();
  }
}
