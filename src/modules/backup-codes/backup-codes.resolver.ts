import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { RequirePermissions } from '../../common/decorators/access.decorators';
import { SensitiveRateLimit } from '../../common/decorators/rate-limit.decorator';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { BackupCodeRegeneration } from './backup-code-regeneration.service';
import { BackupCodesService } from './backup-codes.service';
import { IssuedBackupCodeModel } from './models/issued-backup-code.model';

@Resolver()
export class BackupCodesResolver {
  constructor(
    private readonly backupCodes: BackupCodesService,
    private readonly regeneration: BackupCodeRegeneration,
  ) {}

  @Mutation(() => IssuedBackupCodeModel, {
    description:
      'ADMIN, for another user (FORBIDDEN for oneself). A one-time code for this user, valid adminBackupCodeTtlMinutes; issuing another invalidates the last. A sign-in with it cannot trust the device.',
  })
  @RequirePermissions(Permission.BACKUP_CODES_ISSUE)
  issueBackupCode(
    @Args('userId', { type: () => ID, description: 'The user the code is for (not yourself).' }) userId: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<IssuedBackupCodeModel> {
    return this.backupCodes.issueAdminCode(userId, principal.userId, client);
  }

  @Mutation(() => [String], {
    description: 'AUTHENTICATED. Needs the password again. Ten new codes, shown this once (they are stored hashed); the old ones stop working.',
  })
  @SensitiveRateLimit()
  regenerateBackupCodes(
    @Args('password', { description: 'The password, asked again.' }) password: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<string[]> {
    return this.regeneration.regenerate(principal, password, client);
  }
}
