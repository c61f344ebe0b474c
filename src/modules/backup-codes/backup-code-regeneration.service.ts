import { Clock } from '@app/clock';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { inTransaction } from '../../database/transactions';
import { PasswordConfirmation } from '../auth/password-confirmation.service';
import { BackupCodesRegenerated } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { UserMethodsService } from '../methods/user-methods/user-methods.service';
import { BackupCodesService } from './backup-codes.service';

/** regenerateBackupCodes: ten new codes replacing all of the old, with the password and 2FA on. */
@Injectable()
export class BackupCodeRegeneration {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly codes: BackupCodesService,
    private readonly passwords: PasswordConfirmation,
    private readonly userMethods: UserMethodsService,
    private readonly registry: TwoFactorMethodsRegistry,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async regenerate(principal: Principal, password: string, client: ClientInfo): Promise<string[]> {
    const { userId } = principal;
    await this.passwords.confirm(principal, password, 'password', client);
    const now = this.clock.now();
    const codes = await inTransaction(
      this.dataSource,
      async (manager) => {
        await this.userMethods.lockUser(manager, userId);
        const enabled = (await this.userMethods.list(userId, manager)).filter((e) => this.registry.get(e.method)?.primary);
        if (enabled.length === 0) {
          throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, 'Turn on two-factor authentication first: backup codes come with it.');
        }
        return this.codes.replaceAll(manager, userId, now);
      },
      { name: 'regenerate backup codes' },
    );
    await this.events.publish(new BackupCodesRegenerated({ userId, client, details: {} }));
    return codes;
  }
}
