import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserMethodEntity } from './user-method.entity';
import { UserMethodsService } from './user-methods.service';

/** Per-user method state (enabled primary methods, preferred one), shared by every handler. */
@Module({
  imports: [TypeOrmModule.forFeature([UserMethodEntity])],
  providers: [UserMethodsService],
  exports: [UserMethodsService],
})
export class UserMethodsModule {}
