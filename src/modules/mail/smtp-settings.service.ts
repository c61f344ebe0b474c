import { Clock } from '@app/clock';
import { SecretSealer } from '@app/crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { Repository } from 'typeorm';
import { DomainException } from '../../common/errors/domain.exception';
import { ClientInfo } from '../../common/http/request-context';
import { HOST_NAME } from '../../common/net/hosts';
import { AppConfig } from '../../config/app-config';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { resealOnUse } from '../../common/security/reseal-on-use';
import { SmtpSettingsEntity } from './entities/smtp-settings.entity';

const SETTINGS_ROW_ID = 1;
export const SMTP_PASSWORD_CONTEXT = 'smtp-password';

/** What an admin sends (already shape-checked by class-validator on SmtpSettingsInput). */
export interface SmtpSettingsChange {
  host: string;
  port: number;
  secure: boolean;
  username?: string | null;
  /**
   * undefined/null: keep the stored one, but only while host, port and
   * username stay the same (otherwise it is dropped); '' removes it.
   */
  password?: string | null;
  fromAddress: string;
  fromName?: string | null;
}

/** The stored settings without the password (only whether one is set). */
export interface SmtpSettingsView {
  host: string;
  port: number;
  secure: boolean;
  username: string | null;
  passwordSet: boolean;
  fromAddress: string;
  fromName: string | null;
  updatedAt: Date;
}

/** Everything needed to open a connection; lives only in memory, never logged. */
export interface SmtpServerSettings extends Omit<SmtpSettingsView, 'passwordSet'> {
  password: string | null;
  /** Changes whenever any stored value changes (the sealed password included). */
  fingerprint: string;
}

const EMAIL = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+$/;

/**
 * The admin's Custom SMTP Server (one row). Read from the database on every
 * send, so a change made on one instance applies to the next message on all.
 */
@Injectable()
export class SmtpSettingsService {
  private readonly logger = new Logger('Mail');

  constructor(
    @InjectRepository(SmtpSettingsEntity) private readonly settings: Repository<SmtpSettingsEntity>,
    private readonly sealer: SecretSealer,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** SMTP_ALLOWED_HOSTS, when the operator set it: whether mail may go to this host. */
  allowsHost(host: string): boolean {
    return this.config.smtpAllowedHosts?.allows(host) ?? true;
  }

  async view(): Promise<SmtpSettingsView | null> {
    const row = await this.settings.findOneBy({ id: SETTINGS_ROW_ID });
    return row ? toView(row) : null;
  }

  /** The settings with the password unsealed, for the transport. Null when none are stored. */
  async server(): Promise<SmtpServerSettings | null> {
    const row = await this.settings.findOneBy({ id: SETTINGS_ROW_ID });
    if (!row) return null;
    const { passwordSet: _set, ...view } = toView(row);
    let password: string | null = null;
    if (row.passwordSealed) {
      const stored = row.passwordSealed;
      // Re-seal on use: a password sealed under a previous APP_SECRET moves to the current one.
      row.passwordSealed = await resealOnUse(this.sealer, stored, SMTP_PASSWORD_CONTEXT, (fresh) =>
        this.settings.update({ id: SETTINGS_ROW_ID, passwordSealed: stored }, { passwordSealed: fresh }),
      );
      try {
        password = this.sealer.unseal(row.passwordSealed, SMTP_PASSWORD_CONTEXT);
      } catch {
        // Sending goes on without it (and fails to log in, visibly) rather than failing every caller.
        this.logger.error('The stored SMTP password cannot be unsealed (APP_SECRET changed without APP_SECRET_PREVIOUS?): set it again.');
      }
    }
    const fingerprint = JSON.stringify([row.host, row.port, row.secure, row.username, row.passwordSealed, row.fromAddress, row.fromName]);
    return { ...view, password, fingerprint };
  }

  /**
   * Stores the whole settings row. An omitted password keeps the stored one
   * only while host, port and username stay the same: the password was given
   * for that server and that account, and a changed server (an admin's
   * mistake, or a stolen admin session pointing it at a listener) must never
   * receive it. Records SMTP_UPDATED.
   */
  async update(change: SmtpSettingsChange, actorId: string, client?: ClientInfo | null): Promise<SmtpSettingsView> {
    const input = validate(change);
    if (!this.allowsHost(input.host)) {
      throw DomainException.badInput('host', 'host is not one of the mail servers the operator allows (SMTP_ALLOWED_HOSTS)');
    }
    const current = await this.settings.findOneBy({ id: SETTINGS_ROW_ID });
    let passwordSealed = current?.passwordSealed ?? null;
    let passwordChanged = false;
    if (typeof change.password === 'string') {
      passwordSealed = change.password === '' ? null : this.sealer.seal(change.password, SMTP_PASSWORD_CONTEXT);
      passwordChanged = true;
    } else if (passwordSealed && current && !sameAccount(current, input)) {
      passwordSealed = null;
      passwordChanged = true;
    }
    // No user, no login: a stored password would only linger unused.
    if (!input.username && passwordSealed) {
      passwordSealed = null;
      passwordChanged = true;
    }
    const row: SmtpSettingsEntity = { id: SETTINGS_ROW_ID, ...input, passwordSealed, updatedAt: this.clock.now() };
    await this.settings.save(row);
    await this.events.publish({
      type: SecurityEventType.SMTP_UPDATED,
      actorId,
      client,
      details: {
        host: row.host,
        port: row.port,
        secure: row.secure,
        username: row.username,
        fromAddress: row.fromAddress,
        passwordChanged,
      },
    });
    return toView(row);
  }
}

/** The stored password belongs to this host, port and username. */
function sameAccount(a: Pick<SmtpSettingsEntity, 'host' | 'port' | 'username'>, b: Pick<SmtpSettingsEntity, 'host' | 'port' | 'username'>): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && Number(a.port) === Number(b.port) && (a.username ?? null) === (b.username ?? null);
}

function toView(row: SmtpSettingsEntity): SmtpSettingsView {
  return {
    host: row.host,
    port: row.port,
    secure: Boolean(row.secure),
    username: row.username,
    passwordSet: row.passwordSealed !== null && row.passwordSealed !== '',
    fromAddress: row.fromAddress,
    fromName: row.fromName,
    updatedAt: row.updatedAt,
  };
}

/** Shape and sense of the settings; BAD_USER_INPUT naming the field. */
export function validate(change: SmtpSettingsChange): Omit<SmtpSettingsEntity, 'id' | 'passwordSealed' | 'updatedAt'> {
  const host = (change.host ?? '').trim();
  const bracketless = host.replace(/^\[(.*)\]$/, '$1');
  // A name (at most 253 characters) or an IPv6 address without a zone id (at most 45): both fit the column.
  if (!host || (!HOST_NAME.test(host) && !(isIP(bracketless) === 6 && !bracketless.includes('%')))) {
    throw DomainException.badInput('host', 'host must be a host name or IP address, e.g. smtp.example.com');
  }
  if (!Number.isInteger(change.port) || change.port < 1 || change.port > 65535) {
    throw DomainException.badInput('port', 'port must be a whole number from 1 to 65535');
  }
  if (typeof change.secure !== 'boolean') throw DomainException.badInput('secure', 'secure must be true or false');
  const username = change.username?.trim() || null;
  if (username && (username.length > 255 || /[\r\n]/.test(username))) {
    throw DomainException.badInput('username', 'username must have at most 255 characters on one line');
  }
  if (typeof change.password === 'string' && (change.password.length > 1024 || /[\r\n]/.test(change.password))) {
    throw DomainException.badInput('password', 'password must have at most 1024 characters on one line');
  }
  const fromAddress = (change.fromAddress ?? '').trim();
  if (fromAddress.length > 254 || !EMAIL.test(fromAddress)) {
    throw DomainException.badInput('fromAddress', 'fromAddress must be an email address, e.g. no-reply@example.com');
  }
  const fromName = change.fromName?.trim() || null;
  if (fromName && (fromName.length > 100 || /[\r\n]/.test(fromName))) {
    throw DomainException.badInput('fromName', 'fromName must have at most 100 characters on one line');
  }
  return { host: bracketless, port: change.port, secure: change.secure, username, fromAddress, fromName };
}
