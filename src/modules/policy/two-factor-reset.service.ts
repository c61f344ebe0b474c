import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { ClientInfo } from '../../common/http/request-context';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorReset } from '../events/domain-events';
import { EventBus } from '../events/event-bus';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';

/** The answer to "I lost my phone": the user starts over. */
@Injectable()
export class TwoFactorResetService {
  constructor(
    private readonly users: UsersService,
    private readonly methods: TwoFactorMethodsRegistry,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly sessions: SessionsService,
    private readonly events: EventBus,
  ) {}

  /**
   * Turns off every method of the user (each handler removes its own state:
   * email codes, authenticator secret, passkeys, backup codes and
   * admin-issued codes) and ends all their sessions; TwoFactorReset's
   * subscribers forget the trusted devices, clear the attempts, drop pending
   * enrollments and mail the user. `actorId` null: the operator's --reset-2fa.
   * FORBIDDEN for an admin's own account (another admin, or the operator,
   * does it); NOT_FOUND for an unknown user.
   */
  async reset(userId: string, actorId: string | null, client: ClientInfo | null): Promise<UserEntity> {
    if (actorId !== null && actorId === userId) {
      throw new DomainException(ErrorCode.FORBIDDEN, 'An admin cannot reset their own two-factor authentication: ask another admin.');
    }
    const user = await this.users.getById(userId);
    const [enabled, trustedDevices] = await Promise.all([this.methods.enabledFor(userId), this.trustedDevices.countTrusted(userId)]);
    for (const handler of this.methods.all()) await handler.disable(userId);
    const sessionsEnded = await this.sessions.revokeAllForUser(userId);
    await this.events.publish(
      new TwoFactorReset({
        userId,
        actorId,
        client,
        details: { methods: enabled.map((handler) => handler.method), sessionsEnded, trustedDevices, by: actorId ? 'admin' : 'operator' },
      }),
    );
    return user;
  }
}
