import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { TrustedDeviceModel } from './models/trusted-device.model';
import { TrustedDevicesService } from './trusted-devices.service';

/** The caller's own trusted devices. AUTHENTICATED (the guard's default). */
@Resolver(() => TrustedDeviceModel)
export class TrustedDevicesResolver {
  constructor(private readonly devices: TrustedDevicesService) {}

  @Query(() => [TrustedDeviceModel], { description: 'The browsers you chose to trust ("Don\'t ask again"), still valid, newest first.' })
  async trustedDevices(@CurrentPrincipal() principal: Principal): Promise<TrustedDeviceModel[]> {
    return (await this.devices.list(principal.userId)).map(TrustedDeviceModel.from);
  }

  @Mutation(() => Boolean, { description: 'Forgets one of your trusted devices: its next sign-in asks for a code. NOT_FOUND for an id that is not yours.' })
  revokeTrustedDevice(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    return this.devices.revoke(principal.userId, id, client);
  }

  @Mutation(() => Int, { description: 'Returns how many were revoked.' })
  revokeAllTrustedDevices(@CurrentPrincipal() principal: Principal, @Client() client: ClientInfo): Promise<number> {
    return this.devices.revokeAll(principal.userId, client);
  }
}
