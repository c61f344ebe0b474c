import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import type { Request, Response } from 'express';
import { Client, ClientInfo, CurrentPrincipal, HttpRequest, HttpResponse } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { TrustedDeviceModel } from './models/trusted-device.model';
import { clearTrustedDeviceCookie, trustedDeviceCookieOf } from './trusted-device-cookie';
import { TrustedDevicesService } from './trusted-devices.service';

/** The caller's own trusted devices. AUTHENTICATED (the guard's default). */
@Resolver(() => TrustedDeviceModel)
export class TrustedDevicesResolver {
  constructor(
    private readonly devices: TrustedDevicesService,
    private readonly config: AppConfig,
  ) {}

  @Query(() => [TrustedDeviceModel], { description: 'The browsers you chose to trust ("Don\'t ask again"), still valid, newest first.' })
  async trustedDevices(@CurrentPrincipal() principal: Principal): Promise<TrustedDeviceModel[]> {
    return (await this.devices.list(principal.userId)).map(TrustedDeviceModel.from);
  }

  @Mutation(() => Boolean, { description: 'Forgets one of your trusted devices: its next sign-in asks for a code. NOT_FOUND for an id that is not yours.' })
  async revokeTrustedDevice(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'TrustedDevice.id.' }) id: string,
    @HttpRequest() req: Request,
    @HttpResponse() res: Response,
  ): Promise<boolean> {
    const { wasThisBrowser } = await this.devices.revoke(principal.userId, id, client, trustedDeviceCookieOf(req));
    // The browser stops sending a token that can no longer skip anything.
    if (wasThisBrowser) clearTrustedDeviceCookie(req, res, this.config);
    return true;
  }

  @Mutation(() => Int, { description: 'Returns how many were revoked.' })
  async revokeAllTrustedDevices(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @HttpRequest() req: Request,
    @HttpResponse() res: Response,
  ): Promise<number> {
    const { count, wasThisBrowser } = await this.devices.revokeAll(principal.userId, client, trustedDeviceCookieOf(req));
    if (wasThisBrowser) clearTrustedDeviceCookie(req, res, this.config);
    return count;
  }
}
