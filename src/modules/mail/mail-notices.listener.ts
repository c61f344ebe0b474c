import { Injectable, Logger } from '@nestjs/common';
import { PolicyService } from '../policy/policy.service';
import { SecurityEventType } from '../security-events/security-event-type';
import { PublishedEvent } from '../events/domain-events';
import { OnAnyDomainEvent } from '../events/event-bus';
import { UsersService } from '../users/users.service';
import { MailService } from './mail.service';
import { MailContext, MailTemplateName } from './mail.types';
import { describeError } from '../../common/errors/describe-error';

/** The events a user is told about by email, and the notice for each. */
export const NOTICE_TEMPLATES: Readonly<Record<string, MailTemplateName>> = {
  [SecurityEventType.METHOD_ENABLED]: 'notice-method-enabled',
  [SecurityEventType.METHOD_DISABLED]: 'notice-method-disabled',
  [SecurityEventType.BACKUP_CODES_REGENERATED]: 'notice-backup-codes-regenerated',
  [SecurityEventType.BACKUP_CODE_ISSUED]: 'notice-backup-code-issued',
  [SecurityEventType.ACCOUNT_LOCKED]: 'notice-account-locked',
  [SecurityEventType.TRUSTED_DEVICE_ADDED]: 'notice-trusted-device-added',
  [SecurityEventType.TRUSTED_DEVICE_REUSED]: 'notice-trusted-device-reused',
  [SecurityEventType.TWO_FACTOR_RESET]: 'notice-two-factor-reset',
  [SecurityEventType.PASSKEY_ADDED]: 'notice-passkey-added',
  [SecurityEventType.PASSKEY_REMOVED]: 'notice-passkey-removed',
};

/** 2026-11-22 03:00 UTC */
export function formatWhen(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Security notices: when an event the user should know about is recorded,
 * queue an email to them. Whoever recorded the event never fails because of
 * mail: every problem here is caught and logged.
 */
@Injectable()
export class MailNoticesListener {
  private readonly logger = new Logger('MailNotices');

  constructor(
    private readonly mail: MailService,
    private readonly users: UsersService,
    private readonly policy: PolicyService,
  ) {}

  @OnAnyDomainEvent()
  async onSecurityEvent(event: PublishedEvent): Promise<void> {
    const template = NOTICE_TEMPLATES[event.type];
    if (!template || !event.userId) return;
    try {
      if (!(await this.mail.canSend())) return;
      const user = await this.users.findById(event.userId);
      if (!user) return;
      await this.mail.enqueue({ to: user.email, template, context: await this.contextFor(event), userId: user.id, expiresAt: null });
    } catch (error) {
      this.logger.error(`Could not queue the ${template} notice for user ${event.userId}: ${describeError(error)}`);
    }
  }

  private async contextFor(event: PublishedEvent): Promise<MailContext> {
    const details = event.details ?? {};
    const text = (...keys: string[]): string | null => {
      for (const key of keys) {
        const value = details[key];
        if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 100);
      }
      return null;
    };
    const minutes = (...keys: string[]): number | null => {
      for (const key of keys) {
        const value = details[key];
        if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value);
      }
      return null;
    };
    const context: MailContext = { occurredAt: formatWhen(event.occurredAt) };
    switch (event.type) {
      case SecurityEventType.METHOD_ENABLED:
      case SecurityEventType.METHOD_DISABLED:
        context.method = text('method');
        break;
      case SecurityEventType.BACKUP_CODE_ISSUED:
        context.expiresInMinutes =
          minutes('expiresInMinutes', 'ttlMinutes') ?? (await this.policy.get()).adminBackupCodeTtlMinutes;
        break;
      case SecurityEventType.ACCOUNT_LOCKED:
        context.lockoutMinutes = minutes('lockoutMinutes', 'lockedMinutes') ?? (await this.policy.get()).lockoutMinutes;
        break;
      case SecurityEventType.TRUSTED_DEVICE_ADDED:
      case SecurityEventType.TRUSTED_DEVICE_REUSED:
        context.device = text('device', 'label');
        break;
      case SecurityEventType.PASSKEY_ADDED:
      case SecurityEventType.PASSKEY_REMOVED:
        context.passkeyName = text('name');
        break;
      default:
        break;
    }
    return context;
  }
}
