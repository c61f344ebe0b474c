import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { MethodsModule } from '../methods/methods.module';
import { UsersModule } from '../users/users.module';
import { BackupCodeMethodHandler } from './backup-code-method.handler';
import { BackupCodeRegeneration } from './backup-code-regeneration.service';
import { BackupCodesResolver } from './backup-codes.resolver';
import { BackupCodesService } from './backup-codes.service';
import { AdminBackupCodeEntity } from './entities/admin-backup-code.entity';
import { BackupCodeEntity } from './entities/backup-code.entity';

/** BACKUP_CODE: the fallback every user with 2FA has (their ten), and the code an admin issues. */
@Module({
  imports: [TypeOrmModule.forFeature([BackupCodeEntity, AdminBackupCodeEntity]), UsersModule, AuthModule, MethodsModule, EventsModule],
  providers: [BackupCodesService, BackupCodeRegeneration, BackupCodeMethodHandler, BackupCodesResolver],
  exports: [BackupCodesService],
})
export class BackupCodesModule {}
