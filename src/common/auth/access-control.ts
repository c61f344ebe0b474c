import { DynamicModule, Global, Inject, Injectable, Module } from '@nestjs/common';
import { TwofoldExtensions } from '../../extensions/twofold-extension';
import { AnyPermission, DEFAULT_ROLE_PERMISSIONS, RolePermissions } from './permissions';

/** Answers "may this role do that?" from the one role-to-permissions map (with the extensions' permissions). */
@Injectable()
export class AccessControl {
  private readonly granted: Map<string, Set<string>>;

  constructor(@Inject(RolePermissions) rolePermissions: RolePermissions) {
    this.granted = new Map(Object.entries(rolePermissions).map(([role, permissions]) => [role, new Set<string>(permissions)]));
    for (const [permission, roles] of Object.entries(TwofoldExtensions.permissions())) {
      for (const role of roles) this.granted.set(role, (this.granted.get(role) ?? new Set<string>()).add(permission));
    }
  }

  can(role: string, permission: AnyPermission): boolean {
    return this.granted.get(role)?.has(permission) ?? false;
  }
}

/** Global like the configuration: the guard and every resolver that checks a permission read the same map. */
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
