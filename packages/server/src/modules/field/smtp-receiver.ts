// The small SMTP receiver Attain runs when configured: it accepts mail only for the tenants' log
// addresses (`log+<tenant>@<domain>`), refuses any other recipient (it is no relay), caps the size,
// and files each accepted email for its tenant (receiveEmail). Refusals are SMTP codes; a refused
// message writes nothing.
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { Store } from '../../store-port.ts';
import { type InboundEmail, type InboundOutcome, receiveEmail } from './inbound-mail.ts';

export interface MailReceiverOptions {
  store: Store;
  /** The domain of the log addresses, e.g. `mail.example.com` (its MX points at this receiver). */
  domain: string;
  port: number;
  host?: string;
  /** The largest message accepted, in bytes (advertised as SIZE; larger ones are refused with 552). */
  maxBytes?: number;
  /** Past this many quarantined emails in a tenant, strangers' emails are deferred (452). */
  maxQuarantined?: number;
  /** At most this many recipients per message. */
  maxRecipients?: number;
  /** Told of each filed email (the server's log). */
  onFiled?: (tenant: string, outcome: InboundOutcome) => void;
  onError?: (error: unknown) => void;
}

export interface MailReceiver {
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MAIL_MAX_BYTES = 10 * 1024 * 1024;
const LOCAL = /^log\+([a-z][a-z0-9_]{0,62})$/;

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The tenant a log address names, if it is one on `domain`. */
export function tenantOfAddress(address: string, domain: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  return LOCAL.exec(address.slice(0, at).toLowerCase())?.[1];
}

const addressesOf = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((o) => o.value.flatMap((a) => [a.address, ...(a.group ?? []).map((g) => g.address)]))
    .filter((a): a is string => typeof a === 'string' && a.includes('@'))
    .map((a) => a.toLowerCase());

async function readCapped(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    // Keep reading to the end (the client waits for its answer) but hold no more than the cap.
    if (bytes <= max) chunks.push(chunk as Buffer);
  }
  return bytes > max || (stream as Readable & { sizeExceeded?: boolean }).sizeExceeded ? undefined : Buffer.concat(chunks);
}

export async function startMailReceiver(opts: MailReceiverOptions): Promise<MailReceiver> {
  const { store, domain } = opts;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAIL_MAX_BYTES;
  const server = new SMTPServer({
    name: domain,
    banner: 'Attain activity log',
    size: maxBytes,
    // Anyone may deliver to a log address, as to any mailbox; nothing here logs in or relays.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    maxClients: 50,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    logger: false,
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (session.envelope.rcptTo.length >= (opts.maxRecipients ?? 20)) return callback(smtpError(452, '4.5.3 Too many recipients'));
      const tenant = tenantOfAddress(address.address, domain);
      if (!tenant) return callback(smtpError(550, '5.1.1 No such mailbox here'));
      store.tenants.get(tenant).then(
        (found) => callback(found ? null : smtpError(550, '5.1.1 No such mailbox here')),
        (error: unknown) => {
          opts.onError?.(error);
          callback(smtpError(451, '4.3.0 Try again later'));
        },
      );
    },
    onData(stream: Readable, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const tenants = [...new Set(session.envelope.rcptTo.map((r) => tenantOfAddress(r.address, domain)).filter((t): t is string => t !== undefined))];
      (async () => {
        const raw = await readCapped(stream, maxBytes);
        if (!raw) throw smtpError(552, `5.3.4 Message larger than ${maxBytes} bytes`);
        const mail = await simpleParser(raw, { skipHtmlToText: false, skipImageLinks: true });
        const from = addressesOf(mail.from)[0] ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : undefined);
        if (!from || !from.includes('@')) throw smtpError(550, '5.6.0 The message has no sender address');
        const ours = new Set(session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
        const recipients = [...new Set([...addressesOf(mail.to), ...addressesOf(mail.cc)])].filter((a) => !ours.has(a) && tenantOfAddress(a, domain) === undefined).slice(0, 100);
        const sent = mail.date && !Number.isNaN(mail.date.getTime()) && mail.date.getTime() <= Date.now() + 86_400_000 ? mail.date : new Date();
        const email: InboundEmail = {
          messageId: mail.messageId ? mail.messageId.slice(0, 500) : null,
          from,
          recipients,
          subject: mail.subject ?? '',
          text: (mail.text ?? '').trim(),
          sentAt: sent,
        };
        let full = false;
        for (const tenant of tenants) {
          // Filed first: an optional call's arguments are not evaluated when there is no callback.
          const outcome = await receiveEmail(store, tenant, email, opts.maxQuarantined);
          full ||= outcome.status === 'full';
          opts.onFiled?.(tenant, outcome);
        }
        // The sender keeps it and retries; what was filed for another tenant is a duplicate then.
        if (full) throw smtpError(452, '4.2.2 Too many emails wait to be assigned here; try again later');
      })().then(
        () => callback(null),
        (error: unknown) => {
          if (error instanceof Error && 'responseCode' in error) return callback(error);
          opts.onError?.(error);
          callback(smtpError(451, '4.3.0 Try again later'));
        },
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => opts.onError?.(error));
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
