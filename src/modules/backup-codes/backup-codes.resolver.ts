import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { RequirePermissions } from '../../common/decorators/access.decorators';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { BackupCodesService } from './backup-codes.service';
import { IssuedBackupCodeModel } from './models/issued-backup-code.model';

@Resolver()
export class BackupCodesResolver {
  constructor(private readonly backupCodes: BackupCodesService) {}

  @Mutation(() => IssuedBackupCodeModel, {
    description: 'ADMIN. A one-time code for this user, valid adminBackupCodeTtlMinutes; issuing another invalidates the last.',
  })
  @RequirePermissions(Permission.BACKUP_CODES_ISSUE)
  issueBackupCode(
    @Args('userId', { type: () => ID }) userId: string,
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
  ): Promise<IssuedBackupCodeModel> {
    return this.backupCodes.issueAdminCode(userId, principal.userId, client);
  }
}
