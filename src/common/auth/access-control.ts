import { DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import { DEFAULT_ROLE_PERMISSIONS, Permission, RolePermissions } from './permissions';

/** Answers "may this role do that?" from the one role-to-permissions map. */
@Injectable()
export class AccessControl {
  constructor(@Inject(RolePermissions) private readonly rolePermissions: RolePermissions) {}

  can(role: string, permission: Permission): boolean {
    return (this.rolePermissions[role] ?? []).includes(permission);
  }
}

@Global()
@Module({})
export class AccessControlModule {
  /** Integrators pass their own map to add roles or change what a role may do. */
  static forRoot(rolePermissions: RolePermissions = DEFAULT_ROLE_PERMISSIONS): DynamicModule {
    return {
      module: AccessControlModule,
      providers: [{ provide: RolePermissions, useValue: rolePermissions }, AccessControl],
      exports: [RolePermissions, AccessControl],
    };
  }
}
