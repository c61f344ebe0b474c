import { ClientInfo } from '../../common/http/request-context';
import { SecurityEventType } from '../security-events/security-event-type';

/** Non-secret facts only: never a code, token, secret or password. */
export type EventDetails = Record<string, string | number | boolean | string[] | null>;

/**
 * Something that happened to an account, told to every subscriber: the
 * audit log (security_events), the mail notices, the modules that react
 * (trusted devices, attempts) and integrators. `type` is one of
 * SecurityEventType or an integrator's own name.
 */
export interface DomainEvent<D extends EventDetails = EventDetails> {
  readonly type: SecurityEventType;
  /** The user the event is about. */
  readonly userId?: string | null;
  /** Who acted, when another user (an admin); null for the user themself or an operator command. */
  readonly actorId?: string | null;
  readonly client?: ClientInfo | null;
  readonly details?: D;
}

/** A published event, as subscribers receive it. */
export interface PublishedEvent<D extends EventDetails = EventDetails> extends DomainEvent<D> {
  readonly occurredAt: Date;
}

/** What a typed event's constructor takes. */
type EventInit<D extends EventDetails> = Omit<DomainEvent<D>, 'type'>;

/** A typed event class: `new AccountLocked({ userId, details })`, and `AccountLocked.type` for subscribers. */
function typedEvent<D extends EventDetails>(type: SecurityEventType) {
  return class implements DomainEvent<D> {
    static readonly type = type;
    readonly type = type;
    readonly userId: string | null;
    readonly actorId: string | null;
    readonly client: ClientInfo | null;
    readonly details: D;
    constructor(init: EventInit<D> & { details: D }) {
      this.userId = init.userId ?? null;
      this.actorId = init.actorId ?? null;
      this.client = init.client ?? null;
      this.details = init.details;
    }
  };
}

// The events other modules react to (each has subscribers beyond the audit log).
export class AccountLocked extends typedEvent<{ lockedUntil: string; lockoutMinutes: number; failures: number }>(SecurityEventType.ACCOUNT_LOCKED) {}
export class TwoFactorReset extends typedEvent<{ methods: string[]; sessionsEnded: number; trustedDevices: number; by: 'admin' | 'operator' }>(SecurityEventType.TWO_FACTOR_RESET) {}
export class PasswordChanged extends typedEvent<Record<string, never>>(SecurityEventType.PASSWORD_CHANGED) {}
export class MethodEnabled extends typedEvent<{ method: string }>(SecurityEventType.METHOD_ENABLED) {}
export class MethodDisabled extends typedEvent<{ method: string; lastMethod: boolean }>(SecurityEventType.METHOD_DISABLED) {}
export class BackupCodesRegenerated extends typedEvent<Record<string, never>>(SecurityEventType.BACKUP_CODES_REGENERATED) {}
export class BackupCodeIssued extends typedEvent<{ expiresInMinutes: number }>(SecurityEventType.BACKUP_CODE_ISSUED) {}
export class SignInSucceeded extends typedEvent<EventDetails>(SecurityEventType.SIGN_IN_SUCCEEDED) {}
export class UserDisabled extends typedEvent<{ sessionsEnded: number; by: 'admin' | 'operator' }>(SecurityEventType.USER_DISABLED) {}
