import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { EnrollmentReminderStore } from './enrollment-reminder-store';
import { UserEntity } from './entities/user.entity';
import { LastSignInSubscriber } from './last-sign-in.subscriber';
import { PasswordHasher } from './password-hasher.service';
import { UserDirectory } from './user-directory.service';
import { UserPageResolver, UsersResolver } from './users.resolver';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), EventsModule],
  providers: [UsersService, UserDirectory, UsersResolver, UserPageResolver, PasswordHasher, LastSignInSubscriber, EnrollmentReminderStore],
  exports: [UsersService, UserDirectory, EnrollmentReminderStore],
})
export class UsersModule {}
