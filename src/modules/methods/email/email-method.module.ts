import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserMethodsModule } from '../user-methods/user-methods.module';
import { EmailCodeEntity } from './email-code.entity';
import { EmailCodesService } from './email-codes.service';
import { EmailMethodHandler } from './email-method.handler';

@Module({
  imports: [TypeOrmModule.forFeature([EmailCodeEntity]), UserMethodsModule],
  providers: [EmailCodesService, EmailMethodHandler],
  exports: [EmailCodesService, EmailMethodHandler],
})
export class EmailMethodModule {}
