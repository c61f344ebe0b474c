import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { EventsModule } from '../events/events.module';
import { AccountUnlock } from './account-unlock.service';
import { AttemptGate } from './attempt-gate.service';
import { AttemptsResetSubscriber } from './attempts-reset.subscriber';
import { AttemptsService } from './attempts.service';
import { TwoFactorAttemptsEntity } from './entities/two-factor-attempts.entity';
import { TwoFactorCodeSendsEntity } from './entities/two-factor-code-sends.entity';
import { LockoutService } from './lockout.service';
import { SendBudget } from './send-budget.service';

/**
 * The per-user counters that stand between a guesser and an account: the
 * attempts at codes (the one gate every method's checks pass, with its
 * cooldown and lockout) and the budget of codes sent.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TwoFactorAttemptsEntity, TwoFactorCodeSendsEntity]), AuthModule, EventsModule],
  providers: [AttemptsService, AttemptGate, LockoutService, SendBudget, AttemptsResetSubscriber, AccountUnlock],
  exports: [AttemptsService, AttemptGate, SendBudget, AccountUnlock],
})
export class AttemptsModule {}
