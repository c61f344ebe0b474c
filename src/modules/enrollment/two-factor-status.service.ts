import { Injectable } from '@nestjs/common';
import { TwoFactorMethod } from '../../common/auth/two-factor-method';
import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { EnabledMethod, UserMethodsService } from '../methods/user-methods/user-methods.service';

/** A user's 2FA at a glance (User.twoFactor, the challenge's choice of method). */
export interface TwoFactorStatus {
  /** Not a GraphQL field: lets a method's field resolver (e.g. TwoFactorStatus.passkeys) find the user. */
  userId: string;
  /** True when at least one primary method is enabled. */
  enabled: boolean;
  /** Enabled primary methods (built-in and integrators'), in the enum's order. */
  methods: string[];
  /** The one asked for first at sign-in; null when none is enabled. */
  preferredMethod: string | null;
  /** Unused codes of the user's own ten. */
  backupCodesRemaining: number;
}

@Injectable()
export class TwoFactorStatusService {
  constructor(
    private readonly userMethods: UserMethodsService,
    private readonly backupCodes: BackupCodesService,
    private readonly registry: TwoFactorMethodsRegistry,
  ) {}

  /** One indexed read plus the backup-code count. */
  async getStatus(userId: string): Promise<TwoFactorStatus> {
    const [{ methods, preferredMethod }, backupCodesRemaining] = await Promise.all([this.enabledMethods(userId), this.backupCodes.remaining(userId)]);
    return { userId, enabled: methods.length > 0, methods, preferredMethod, backupCodesRemaining };
  }

  /**
   * The enabled primary methods and the preferred one, in one indexed read.
   * Methods come in the enum's order (the contract's, then
   * integrators' in the order they were registered); those whose handler is
   * no longer installed do not count.
   */
  async enabledMethods(userId: string): Promise<Pick<TwoFactorStatus, 'methods' | 'preferredMethod'>> {
    return this.summarize(await this.userMethods.list(userId));
  }

  /** As enabledMethods(), for the user's method rows already read (the sign-in read). */
  summarize(rows: Array<Pick<EnabledMethod, 'method' | 'preferred'>>): Pick<TwoFactorStatus, 'methods' | 'preferredMethod'> {
    const order: string[] = Object.values(TwoFactorMethod);
    const active = rows
      .filter((row) => this.registry.get(row.method)?.primary === true)
      .sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
    const methods = active.map((row) => row.method);
    return { methods, preferredMethod: active.find((row) => row.preferred)?.method ?? methods[0] ?? null };
  }
}
