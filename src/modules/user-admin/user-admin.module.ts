import { Module } from '@nestjs/common';
import { AttemptsModule } from '../attempts/attempts.module';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { PolicyAdminModule } from '../policy/policy-admin.module';
import { UsersModule } from '../users/users.module';
import { UserAdminResolver } from './user-admin.resolver';
import { UserAdminService } from './user-admin.service';

/**
 * An admin's operations on accounts: disable, enable, update, unlock, and
 * User.lockedUntil. (Sessions are the auth module's; the policy and 2FA
 * resets the policy-admin module's.)
 */
@Module({
  imports: [UsersModule, AuthModule, AttemptsModule, PolicyAdminModule, EventsModule],
  providers: [UserAdminService, UserAdminResolver],
  exports: [UserAdminService],
})
export class UserAdminModule {}
