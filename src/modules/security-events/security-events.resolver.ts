import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { AccessControl } from '../../common/auth/access-control';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { CurrentPrincipal } from '../../common/http/request-context';
import { SecurityEventModel, SecurityEventPageModel } from './models/security-event.model';
import { SecurityEventsService } from './security-events.service';

@Resolver(() => SecurityEventModel)
export class SecurityEventsResolver {
  constructor(
    private readonly events: SecurityEventsService,
    private readonly access: AccessControl,
  ) {}

  @Query(() => SecurityEventPageModel, {
    description: "ADMIN sees all (or one user's with userId); AGENT sees only their own. Newest first.",
  })
  async securityEvents(
    @CurrentPrincipal() principal: Principal,
    @Args('userId', { type: () => ID, nullable: true }) userId: string | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<SecurityEventPageModel> {
    const readsAll = this.access.can(principal.role, Permission.SECURITY_EVENTS_READ_ALL);
    if (!readsAll && userId && userId !== principal.userId) throw new DomainException(ErrorCode.FORBIDDEN);
    const page = await this.events.list(readsAll ? userId : principal.userId, first, after);
    // Details can name the mail server and its errors: for those who read everyone's events.
    return { items: page.items.map((event) => SecurityEventModel.from(event, readsAll)), nextCursor: page.nextCursor };
  }
}
