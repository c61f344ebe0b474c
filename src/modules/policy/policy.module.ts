import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TwoFactorPolicyEntity } from './entities/two-factor-policy.entity';
import { PolicyResolver } from './policy.resolver';
import { PolicyService } from './policy.service';

/** Global: every module that applies the policy reads it through PolicyService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([TwoFactorPolicyEntity])],
  providers: [PolicyService, PolicyResolver],
  exports: [PolicyService],
})
export class PolicyModule {}
