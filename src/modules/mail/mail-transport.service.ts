import { MailerService } from '@nestjs-modules/mailer';
import { Injectable, Logger } from '@nestjs/common';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { scrubText } from '../../common/logging/redact';
import { isLoopbackHost } from '../../common/net/hosts';
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

/**
 * Why a send failed, as an admin may be told: a category, never the remote
 * server's own text (its banner or its answers would turn sendTestEmail into
 * a probe of whatever host and port an admin names).
 */
export enum MailFailure {
  NOT_CONFIGURED = 'not-configured',
  NOT_ALLOWED = 'not-allowed',
  HOST_NOT_FOUND = 'host-not-found',
  CONNECTION_REFUSED = 'connection-refused',
  UNREACHABLE = 'unreachable',
  TIMEOUT = 'timeout',
  TLS = 'tls',
  AUTHENTICATION = 'authentication',
  REJECTED = 'rejected',
  DEFERRED = 'deferred',
  CONNECTION_LOST = 'connection-lost',
  PROTOCOL = 'protocol',
  OTHER = 'other',
}

const FAILURE_TEXT: Record<MailFailure, string> = {
  [MailFailure.NOT_CONFIGURED]: 'no mail server is configured',
  [MailFailure.NOT_ALLOWED]: 'the host is not one the operator allows (SMTP_ALLOWED_HOSTS)',
  [MailFailure.HOST_NOT_FOUND]: 'host not found',
  [MailFailure.CONNECTION_REFUSED]: 'connection refused',
  [MailFailure.UNREACHABLE]: 'host unreachable',
  [MailFailure.TIMEOUT]: 'timed out',
  [MailFailure.TLS]: 'TLS failed (no STARTTLS offered, or the certificate was not accepted)',
  [MailFailure.AUTHENTICATION]: 'authentication failed',
  [MailFailure.REJECTED]: 'the server rejected the message',
  [MailFailure.DEFERRED]: 'the server refused the message for now (it will be tried again)',
  [MailFailure.CONNECTION_LOST]: 'connection closed unexpectedly',
  [MailFailure.PROTOCOL]: 'unexpected answer from the server',
  [MailFailure.OTHER]: 'delivery failed',
};

/** An SMTP failure in the admin's terms: which server, and a category of why. */
export class MailDeliveryError extends Error {
  constructor(
    readonly server: string | null,
    readonly failure: MailFailure,
    /** The server refused this message for good (a 5xx rejection): retrying will not help. */
    readonly permanent: boolean,
    /** What the library said, for the operator's log only (credentials scrubbed): never shown to admins or stored. */
    readonly detail: string = FAILURE_TEXT[failure],
  ) {
    super(server ? `Could not send through ${server}: ${FAILURE_TEXT[failure]}.` : `Could not send: ${FAILURE_TEXT[failure]}.`);
    this.name = 'MailDeliveryError';
  }
}

interface ResolvedRoute extends MailRoute {
  /** Set when this route must not be used now (the settings name a host SMTP_ALLOWED_HOSTS no longer allows). */
  refusal?: MailFailure;
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
      throw new MailDeliveryError(null, MailFailure.NOT_CONFIGURED, false);
    }
    if (route.refusal) throw new MailDeliveryError(route.server, route.refusal, false);
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
      throw toDeliveryError(route.server, error, route.options!);
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
        // Checked again at send time: the operator may have set SMTP_ALLOWED_HOSTS after the admin chose the host.
        ...(!this.settings.allowsHost(settings.host) && { refusal: MailFailure.NOT_ALLOWED }),
        from: settings.fromName ? { name: settings.fromName, address: settings.fromAddress } : settings.fromAddress,
        key: `settings:${settings.fingerprint}`,
        options: protectCredentials({
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          // No password, no login: a username alone would only tell the server who we are.
          auth: settings.username && settings.password ? { user: settings.username, pass: settings.password } : undefined,
          ...timeouts(),
        }),
      };
    }
    if (this.config.smtpUrl) {
      return {
        source: 'SMTP_URL',
        server: serverOfUrl(this.config.smtpUrl),
        from: this.config.mailFrom,
        key: 'SMTP_URL',
        // Parsed here rather than passed as `url` (whose values would override ours), so the same rule applies.
        options: protectCredentials({ ...(parseConnectionUrl(this.config.smtpUrl) as SMTPTransport.Options), ...timeouts() }),
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

/**
 * Credentials never travel in clear beyond this machine: with a login and
 * without TLS from the first byte, a server that is not loopback must accept
 * STARTTLS (requireTLS: nodemailer then fails before AUTH rather than
 * falling back to plain text), and its certificate is verified whatever the
 * options said. Loopback (a local relay, the tests) may stay in clear.
 */
export function protectCredentials(options: SMTPTransport.Options): SMTPTransport.Options {
  const host = options.host ?? 'localhost';
  if (isLoopbackHost(host)) return options;
  const { tls, ...rest } = options;
  const protectedOptions: SMTPTransport.Options = { ...rest, tls: { ...tls, rejectUnauthorized: true } };
  if (options.auth && !options.secure) Object.assign(protectedOptions, { requireTLS: true, ignoreTLS: false, opportunisticTLS: false });
  return protectedOptions;
}

/** The category of a failure, from nodemailer's error code, the system error and the SMTP reply code. */
export function classifyFailure(error: unknown): MailFailure {
  const e = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown; errno?: unknown; syscall?: unknown };
  const code = String(e.code ?? '');
  const message = String(e.message ?? error);
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (code === 'ETLS' || /\b(SSL|TLS)\b|certificate|self[- ]signed|CERT_|wrong version number/i.test(message)) return MailFailure.TLS;
  if (code === 'EAUTH' || code === 'ENOAUTH' || (reply !== null && [530, 534, 535, 538].includes(reply))) return MailFailure.AUTHENTICATION;
  if (code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(message)) return MailFailure.HOST_NOT_FOUND;
  if (/ECONNREFUSED/.test(message) || code === 'ECONNREFUSED') return MailFailure.CONNECTION_REFUSED;
  if (/EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/.test(`${code} ${message}`)) return MailFailure.UNREACHABLE;
  if (code === 'ETIMEDOUT' || /timed? ?out|timeout|Greeting never received/i.test(message)) return MailFailure.TIMEOUT;
  if (reply !== null && reply >= 500) return MailFailure.REJECTED;
  if (reply !== null && reply >= 400) return MailFailure.DEFERRED;
  if (['ECONNECTION', 'ECONNRESET', 'EPIPE', 'ESOCKET', 'EABORT'].includes(code) || /ECONNRESET|EPIPE|closed/i.test(message)) return MailFailure.CONNECTION_LOST;
  if (code === 'EPROTOCOL' || code === 'EENVELOPE' || code === 'EMESSAGE') return MailFailure.PROTOCOL;
  return MailFailure.OTHER;
}

function toDeliveryError(server: string | null, error: unknown, options: SMTPTransport.Options): MailDeliveryError {
  const e = error as { responseCode?: number };
  const failure = classifyFailure(error);
  const permanent = failure === MailFailure.REJECTED && typeof e?.responseCode === 'number' && e.responseCode >= 500;
  return new MailDeliveryError(server, failure, permanent, logDetail(error, options));
}

/**
 * What the library said, one line, bounded, for the log. A hostile server
 * could echo the credentials back in its reply: the password (as sent and
 * in the base64 forms of AUTH PLAIN and LOGIN) is removed first.
 */
function logDetail(error: unknown, options: SMTPTransport.Options): string {
  let text = String((error as { message?: unknown })?.message ?? error);
  const auth = options.auth as { user?: string; pass?: string } | undefined;
  if (auth?.pass) {
    const user = auth.user ?? '';
    const forms = [auth.pass, Buffer.from(auth.pass).toString('base64'), Buffer.from(`\0${user}\0${auth.pass}`).toString('base64')];
    for (const form of forms) text = text.split(form).join('[REDACTED]');
  }
  return scrubText(text.replace(/\s+/g, ' ').trim()).slice(0, 300) || 'unknown error';
}
