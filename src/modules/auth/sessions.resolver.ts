import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Principal } from '../../common/auth/principal';
import { Client, ClientInfo, CurrentPrincipal } from '../../common/http/request-context';
import { SessionInfoModel } from './models/session-info.model';
import { SessionAdmin } from './session-admin.service';

@Resolver(() => SessionInfoModel)
export class SessionsResolver {
  constructor(private readonly admin: SessionAdmin) {}

  @Query(() => [SessionInfoModel], { description: 'The open sessions of the user who asks, or (ADMIN) of userId. Newest first.' })
  async sessions(
    @CurrentPrincipal() principal: Principal,
    @Args('userId', { type: () => ID, nullable: true, description: "Another user's (ADMIN); omit for your own." }) userId: string | null,
  ): Promise<SessionInfoModel[]> {
    return (await this.admin.list(principal, userId)).map((session) => SessionInfoModel.from(session, principal.sessionId));
  }

  @Mutation(() => Boolean, { description: "Ends one of the caller's own sessions, or (ADMIN) any user's." })
  revokeSession(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('id', { type: () => ID, description: 'SessionInfo.id.' }) id: string,
  ): Promise<boolean> {
    return this.admin.revoke(principal, id, client);
  }

  @Mutation(() => Int, { description: "Ends all of the caller's other sessions, or (ADMIN, with userId) all of that user's. Returns how many." })
  revokeAllSessions(
    @CurrentPrincipal() principal: Principal,
    @Client() client: ClientInfo,
    @Args('userId', { type: () => ID, nullable: true, description: "Another user's (ADMIN): all of them end; omit to end your other sessions." })
    userId: string | null,
  ): Promise<number> {
    return this.admin.revokeAll(principal, userId, client);
  }
}
