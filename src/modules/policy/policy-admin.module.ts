import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { MethodsModule } from '../methods/methods.module';
import { TrustedDevicesModule } from '../trusted-devices/trusted-devices.module';
import { UsersModule } from '../users/users.module';
import { PolicyAdminResolver } from './policy-admin.resolver';
import { PolicyAdminService } from './policy-admin.service';
import { TwoFactorResetService } from './two-factor-reset.service';

/**
 * Admin operations on 2FA: changing the policy and resetting a user. Apart
 * from the global PolicyModule (the read model every module applies), which
 * must depend on nothing.
 */
@Module({
  imports: [AuthModule, UsersModule, MethodsModule, TrustedDevicesModule, EventsModule],
  providers: [PolicyAdminService, TwoFactorResetService, PolicyAdminResolver],
  exports: [TwoFactorResetService, PolicyAdminService],
})
export class PolicyAdminModule {}
