import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher.service';
import { UsersResolver } from './users.resolver';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), EventsModule],
  providers: [UsersService, UsersResolver, PasswordHasher],
  exports: [UsersService],
})
export class UsersModule {}
