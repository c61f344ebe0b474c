import { SessionEntity } from '../modules/auth/entities/session.entity';
import { LoginThrottleEntity } from '../modules/auth/entities/login-throttle.entity';
import { TwoFactorPolicyEntity } from '../modules/policy/entities/two-factor-policy.entity';
import { SecurityEventEntity } from '../modules/security-events/entities/security-event.entity';
import { UserEntity } from '../modules/users/entities/user.entity';

/**
 * Every entity, listed once: the app, the migration CLI (ormconfig.ts) and
 * the schema-drift test all read this list.
 */
export const ALL_ENTITIES = [UserEntity, SessionEntity, LoginThrottleEntity, SecurityEventEntity, TwoFactorPolicyEntity];
