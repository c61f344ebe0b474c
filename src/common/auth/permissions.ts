import { Role } from './role';

/** What a resolver may demand with @RequirePermissions. */
export enum Permission {
  /** List and read users. */
  USERS_READ = 'users:read',
  /** Create, update, disable, enable and unlock users. */
  USERS_MANAGE = 'users:manage',
  /** See and end any user's sessions (everyone sees and ends their own). */
  SESSIONS_MANAGE = 'sessions:manage',
  /** Issue a one-time backup code for another user (CloudFon: Get Backup Code). */
  BACKUP_CODES_ISSUE = 'backup-codes:issue',
  /** Turn off another user's 2FA. */
  TWO_FACTOR_RESET = 'two-factor:reset',
  /** Change the global 2FA policy. */
  POLICY_MANAGE = 'policy:manage',
  /** Read and change the Custom SMTP Server, send test mail. */
  SMTP_MANAGE = 'smtp:manage',
  /** Read every user's security events (everyone reads their own). */
  SECURITY_EVENTS_READ_ALL = 'security-events:read-all',
}

/** A built-in permission, or one an extension declared (TwofoldModule.forFeature({ permissions })). */
export type AnyPermission = Permission | (string & {});

/**
 * Which role holds which permissions: the one place roles are interpreted.
 * Integrators pass their own map to TwofoldModule.forRoot({ rolePermissions })
 * (new roles, or different rights); extensions add their permissions to it.
 */
export type RolePermissions = Readonly<Record<string, readonly AnyPermission[]>>;
export const RolePermissions = Symbol('RolePermissions');

export const DEFAULT_ROLE_PERMISSIONS: RolePermissions = {
  [Role.ADMIN]: Object.values(Permission),
  [Role.AGENT]: [],
};
