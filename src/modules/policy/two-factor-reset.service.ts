import { Injectable } from '@nestjs/common';
import { ClientInfo } from '../../common/http/request-context';
import { SessionsService } from '../auth/sessions.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { SecurityEventType } from '../security-events/security-event-type';
import { SecurityEventsService } from '../security-events/security-events.service';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { UserEntity } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';

/** The admin's answer to "I lost my phone": the user starts over. */
@Injectable()
export class TwoFactorResetService {
  constructor(
    private readonly users: UsersService,
    private readonly methods: TwoFactorMethodsRegistry,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly sessions: SessionsService,
    private readonly events: SecurityEventsService,
  ) {}

  /**
   * Turns off every method of the user (each handler removes its own state:
   * email, authenticator secret, backup codes and admin-issued codes),
   * forgets their trusted devices and ends all their sessions. The
   * TWO_FACTOR_RESET event makes the mail listener send the user a notice.
   * NOT_FOUND for an unknown user. Actor and client are null when an
   * operator runs `--reset-2fa` (src/cli).
   */
  async reset(userId: string, actorId: string | null, client: ClientInfo | null): Promise<UserEntity> {
    const user = await this.users.getById(userId);
    const enabled = (await this.methods.enabledFor(userId)).map((handler) => handler.method);
    for (const handler of this.methods.all()) await handler.disable(userId);
    const trustedDevices = await this.trustedDevices.forgetAll(userId);
    const sessionsEnded = await this.sessions.revokeAllForUser(userId);
    await this.events.record({
      type: SecurityEventType.TWO_FACTOR_RESET,
      userId,
      actorId,
      client,
      details: { methods: enabled, trustedDevices, sessionsEnded },
    });
    return user;
  }
}
