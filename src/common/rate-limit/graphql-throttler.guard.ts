import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { SENSITIVE_RATE_LIMIT } from '../decorators/rate-limit.decorator';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-code';
import { httpRequestOf, httpResponseOf } from '../http/request-context';

/**
 * @nestjs/throttler for GraphQL resolvers: only operations marked with
 * @SensitiveRateLimit() are counted, one bucket per operation and client
 * (req.ip, which honours X-Forwarded-For only as far as TRUST_PROXY allows;
 * IPv6 addresses are grouped by /64). A refusal is RATE_LIMITED with
 * retryAfterSeconds.
 */
@Injectable()
export class GraphQLThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.reflector.getAllAndOverride<boolean>(SENSITIVE_RATE_LIMIT, [context.getHandler(), context.getClass()]);
  }

  protected override getRequestResponse(context: ExecutionContext) {
    return { req: httpRequestOf(context), res: httpResponseOf(context) };
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new DomainException(ErrorCode.RATE_LIMITED, `Too many requests from this address. Try again in ${retryAfterSeconds} seconds.`, {
      retryAfterSeconds,
    });
  }
}
