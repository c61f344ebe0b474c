import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { AccessControl } from '../../common/auth/access-control';
import { Permission } from '../../common/auth/permissions';
import { Principal } from '../../common/auth/principal';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { CurrentPrincipal } from '../../common/http/request-context';
import { SecurityEventModel, SecurityEventPageModel } from './models/security-event.model';
import { MAX_TYPES_FILTER, SecurityEventsService } from './security-events.service';

@Resolver(() => SecurityEventModel)
export class SecurityEventsResolver {
  constructor(
    private readonly events: SecurityEventsService,
    private readonly access: AccessControl,
  ) {}

  @Query(() => SecurityEventPageModel, {
    description:
      "ADMIN sees all (or one user's with userId); AGENT sees only their own. Newest first. types, since (inclusive), until (exclusive) and ip filter.",
  })
  async securityEvents(
    @CurrentPrincipal() principal: Principal,
    @Args('userId', { type: () => ID, nullable: true, description: "One user's events (ADMIN; an AGENT may name only themself)." }) userId: string | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50, description: 'Page size, 1 to 100.' }) first: number,
    @Args('after', { type: () => String, nullable: true, description: 'The nextCursor of the previous page.' }) after: string | null,
    @Args('types', { type: () => [String], nullable: true, description: `Only events of these types (at most ${MAX_TYPES_FILTER}); empty or omitted: every type.` })
    types: string[] | null,
    @Args('since', { type: () => Date, nullable: true, description: 'Only events at or after this moment.' }) since: Date | null,
    @Args('until', { type: () => Date, nullable: true, description: 'Only events before this moment.' }) until: Date | null,
    @Args('ip', { type: () => String, nullable: true, description: 'Only events from this client address (IPv4 or IPv6).' }) ip: string | null,
  ): Promise<SecurityEventPageModel> {
    const readsAll = this.access.can(principal.role, Permission.SECURITY_EVENTS_READ_ALL);
    if (!readsAll && userId && userId !== principal.userId) throw new DomainException(ErrorCode.FORBIDDEN);
    const page = await this.events.list(readsAll ? userId : principal.userId, first, after, { types, since, until, ip });
    // Details can name the mail server and its errors: for those who read everyone's events.
    return { items: page.items.map((event) => SecurityEventModel.from(event, readsAll)), nextCursor: page.nextCursor };
  }
}
