import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import { Principal } from '../auth/principal';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-code';

/** Where a request came from, for sessions, events and rate limits. */
export interface ClientInfo {
  /** Honours X-Forwarded-For only as far as TRUST_PROXY allows (express `trust proxy`). */
  ip: string | null;
  userAgent: string | null;
}

export interface GraphQLContext {
  req: Request & { user?: Principal };
  res: Response;
}

export function httpRequestOf(context: ExecutionContext): GraphQLContext['req'] {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<GraphQLContext>().req;
  }
  return context.switchToHttp().getRequest();
}

export function httpResponseOf(context: ExecutionContext): Response {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<GraphQLContext>().res;
  }
  return context.switchToHttp().getResponse();
}

export function clientInfoOf(req: Request): ClientInfo {
  const agent = req.headers['user-agent'];
  return {
    ip: req.ip ?? req.socket?.remoteAddress ?? null,
    userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
  };
}

/** The caller's IP and user agent. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo => clientInfoOf(httpRequestOf(context)));

/** The principal the global guard resolved; only on resolvers that need a session. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = httpRequestOf(context).user;
  if (!principal) throw new DomainException(ErrorCode.UNAUTHENTICATED);
  return principal;
});

/** The raw response, for setting cookies. */
export const HttpResponse = createParamDecorator((_: unknown, context: ExecutionContext): Response => httpResponseOf(context));

/** The raw request, for reading cookies. */
export const HttpRequest = createParamDecorator((_: unknown, context: ExecutionContext): Request => httpRequestOf(context));
