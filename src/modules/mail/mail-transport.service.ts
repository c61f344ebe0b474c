import { MailerService } from '@nestjs-modules/mailer';
import { Injectable, Logger } from '@nestjs/common';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppConfig } from '../../config/app-config';
import { SmtpSettingsService } from './smtp-settings.service';
import { RenderedMail } from './templates/mail-renderer';
import { inSpan } from '../../observability/spans';

/** Where messages go right now, in order of precedence. */
export type MailSource = 'settings' | 'SMTP_URL' | 'development-mailbox' | 'none';

/** Bounds on every SMTP conversation: a dead or silent server fails in seconds, never hangs. */
export const SMTP_TIMEOUT_MS = 10_000;
/** Hard bound on one whole send (connect, greeting, login, data). */
export const SEND_TIMEOUT_MS = 30_000;

export interface MailRoute {
  source: MailSource;
  /** host:port for messages and health, never credentials. */
  server: string | null;
}

export interface MailEnvelope extends RenderedMail {
  to: string;
}

/** An SMTP failure in the admin's terms: which server, and why. */
export class MailDeliveryError extends Error {
  constructor(
    readonly server: string | null,
    readonly reason: string,
    /** The server refused this message for good (5xx other than a login failure): retrying will not help. */
    readonly permanent: boolean,
  ) {
    super(server ? `Could not send through ${server}: ${reason}` : reason);
    this.name = 'MailDeliveryError';
  }
}

interface ResolvedRoute extends MailRoute {
  from: string | { name: string; address: string };
  /** Identifies the transport options; a change replaces the transporter. */
  key: string;
  options: SMTPTransport.Options | null;
}

/**
 * Picks the server for each message (admin's settings, else SMTP_URL, else
 * the development mailbox in development) and sends through
 * @nestjs-modules/mailer. The settings are read on every send; the
 * transporter is rebuilt only when they changed.
 */
@Injectable()
export class MailTransport {
  private readonly logger = new Logger('Mail');
  private active: { key: string; name: string } | null = null;
  private generation = 0;

  constructor(
    private readonly mailer: MailerService,
    private readonly settings: SmtpSettingsService,
    private readonly config: AppConfig,
  ) {}

  async route(): Promise<MailRoute> {
    const { source, server } = await this.resolve();
    return { source, server };
  }

  /** Sends one message now. Throws MailDeliveryError. */
  async send(mail: MailEnvelope): Promise<MailRoute> {
    const route = await this.resolve();
    if (route.source === 'none') {
      throw new MailDeliveryError(null, 'No mail server is configured.', false);
    }
    if (route.source === 'development-mailbox') {
      // Development only, by design: the whole message, code included, so `npm start` needs no mail server.
      this.logger.log(`Development mailbox: message to ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}`);
      return { source: route.source, server: null };
    }
    const transporterName = this.transporterFor(route.key, route.options!);
    // The SMTP conversation of this one message: aborting it closes its connection.
    const conversation = new AbortController();
    // A span when tracing is on: the server, never the recipient.
    const [host, port] = (route.server ?? '').split(':');
    try {
      await inSpan('smtp send', { 'server.address': host, 'server.port': Number(port) || 0, 'twofold.mail.source': route.source }, () =>
        this.mailer.sendMail({
          transporterName,
          from: route.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          signal: conversation.signal,
        }),
      );
    } catch (error) {
      throw toDeliveryError(route.server, error);
    } finally {
      // When the mailer stops waiting (sendTimeout) the send is not over by itself: without this, the
      // server could still accept the message after the worker has scheduled a retry, and the user
      // would get it twice. Closing the connection before the end of DATA makes the server drop it.
      // (After a finished send this does nothing.) Only a server that already took the final "." but
      // had not answered yet may still deliver it: that, and an instance crashing between the server's
      // acceptance and marking the row SENT, is why delivery is at-least-once, never exactly-once.
      conversation.abort();
    }
    return { source: route.source, server: route.server };
  }

  private async resolve(): Promise<ResolvedRoute> {
    const settings = await this.settings.server();
    if (settings) {
      return {
        source: 'settings',
        server: `${settings.host}:${settings.port}`,
        from: settings.fromName ? { name: settings.fromName, address: settings.fromAddress } : settings.fromAddress,
        key: `settings:${settings.fingerprint}`,
        options: {
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
          ...timeouts(),
        },
      };
    }
    if (this.config.smtpUrl) {
      return {
        source: 'SMTP_URL',
        server: serverOfUrl(this.config.smtpUrl),
        from: this.config.mailFrom,
        key: 'SMTP_URL',
        options: { url: this.config.smtpUrl, ...timeouts() },
      };
    }
    if (this.config.devMailbox) return { source: 'development-mailbox', server: null, from: this.config.mailFrom, key: 'dev', options: null };
    return { source: 'none', server: null, from: this.config.mailFrom, key: 'none', options: null };
  }

  private transporterFor(key: string, options: SMTPTransport.Options): string {
    if (this.active?.key === key) return this.active.name;
    // Remove before adding, so an old pool never stays open.
    if (this.active) this.mailer.removeTransporter(this.active.name);
    const name = `twofold-${++this.generation}`;
    this.mailer.addTransporter(name, options);
    this.active = { key, name };
    return name;
  }
}

function timeouts(): Pick<SMTPTransport.Options, 'connectionTimeout' | 'greetingTimeout' | 'socketTimeout' | 'dnsTimeout'> {
  return { connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS, dnsTimeout: SMTP_TIMEOUT_MS };
}

/** host:port of an SMTP URL, without the credentials. */
export function serverOfUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587');
    return `${parsed.hostname}:${port}`;
  } catch {
    return 'SMTP_URL';
  }
}

function toDeliveryError(server: string | null, error: unknown): MailDeliveryError {
  const e = error as { message?: string; code?: string; responseCode?: number };
  // Nodemailer's messages name the problem (ECONNREFUSED, timeout, "Invalid login: 535 ..."),
  // never the password or the message. One line, bounded.
  const reason = String(e?.message ?? error)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  const permanent = typeof e?.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH';
  return new MailDeliveryError(server, reason || 'unknown error', permanent);
}
