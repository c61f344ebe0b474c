import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import { isIP } from 'node:net';
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

/** The longest text form of an IP address ('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'): the width of every `ip` column. */
export const MAX_IP_LENGTH = 45;
/** The width of every `userAgent` column. */
export const MAX_USER_AGENT_LENGTH = 512;

/**
 * A client address as it is stored and compared: a valid IPv4 or IPv6
 * address (lower case, without an IPv6 zone id such as `%eth0`, which only
 * means something on the host that saw it), or null. With TRUST_PROXY the
 * address comes from X-Forwarded-For, i.e. from whatever the proxy wrote:
 * anything that is not an IP address is never stored as one.
 */
export function normalizeIp(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  let address = raw.trim();
  const zone = address.indexOf('%');
  if (zone > 0 && address.includes(':')) address = address.slice(0, zone);
  if (address.length > MAX_IP_LENGTH || isIP(address) === 0) return null;
  return address.toLowerCase();
}

export function clientInfoOf(req: Request): ClientInfo {
  const agent = req.headers['user-agent'];
  return {
    ip: normalizeIp(req.ip ?? req.socket?.remoteAddress),
    userAgent: typeof agent === 'string' ? agent.slice(0, MAX_USER_AGENT_LENGTH) : null,
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
