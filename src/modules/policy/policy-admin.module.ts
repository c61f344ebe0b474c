import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { PolicyAdminResolver } from './policy-admin.resolver';
import { PolicyAdminService } from './policy-admin.service';
import { TwoFactorResetService } from './two-factor-reset.service';

/**
 * Admin operations on 2FA: changing the policy and resetting a user. Apart
 * from the global PolicyModule, which every module reads and which must
 * depend on nothing.
 */
@Module({
  imports: [AuthModule, UsersModule],
  providers: [PolicyAdminService, TwoFactorResetService, PolicyAdminResolver],
})
export class PolicyAdminModule {}
