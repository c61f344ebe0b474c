import { SetMetadata } from '@nestjs/common';
import { AnyPermission } from '../auth/permissions';
import { ALL_STAGES, SessionStage } from '../auth/session-stage';

export const IS_PUBLIC = 'twofold:public';
export const ALLOWED_STAGES = 'twofold:allowed-stages';
export const REQUIRED_PERMISSIONS = 'twofold:required-permissions';

/** Open without a session (signIn, health, IDE assets). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The session stages this resolver accepts. Without it only AUTHENTICATED
 * sessions get through (the global guard fails closed).
 */
export const AllowStages = (...stages: SessionStage[]) => SetMetadata(ALLOWED_STAGES, stages);

/** currentSession, signOut: any live session. */
export const AllowAnyStage = () => AllowStages(...ALL_STAGES);

/** Enrollment mutations: a full session, or one that must enroll before anything else. */
export const AllowPendingEnrollment = () => AllowStages(SessionStage.AUTHENTICATED, SessionStage.PENDING_ENROLLMENT);

/** The challenge: only a session that still owes a second factor. */
export const AllowPendingTwoFactor = () => AllowStages(SessionStage.PENDING_TWO_FACTOR);

/** The caller's role must hold every one of these (checked after the stage). */
export const RequirePermissions = (...permissions: AnyPermission[]) => SetMetadata(REQUIRED_PERMISSIONS, permissions);
