import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { BackupCodeMethodHandler } from './backup-code-method.handler';
import { BackupCodesResolver } from './backup-codes.resolver';
import { BackupCodesService } from './backup-codes.service';
import { AdminBackupCodeEntity } from './entities/admin-backup-code.entity';
import { BackupCodeEntity } from './entities/backup-code.entity';

@Module({
  imports: [TypeOrmModule.forFeature([BackupCodeEntity, AdminBackupCodeEntity]), UsersModule],
  providers: [BackupCodesService, BackupCodeMethodHandler, BackupCodesResolver],
  exports: [BackupCodesService, BackupCodeMethodHandler],
})
export class BackupCodesModule {}
