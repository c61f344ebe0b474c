import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { DomainException, publicDetails } from './domain.exception';
import { ErrorCode, isContractCode } from './error-code';

/** The HTTP status a contract code means, for answers outside GraphQL. */
export function httpStatusOf(code: string): number {
  if (!isContractCode(code)) return HttpStatus.BAD_REQUEST;
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
    case ErrorCode.INVALID_CREDENTIALS:
    case ErrorCode.TWO_FACTOR_REQUIRED:
    case ErrorCode.ENROLLMENT_REQUIRED:
    case ErrorCode.REAUTHENTICATION_REQUIRED:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.ACCOUNT_DISABLED:
    case ErrorCode.ACCOUNT_LOCKED:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.TOO_MANY_ATTEMPTS:
    case ErrorCode.RESEND_TOO_SOON:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.SMTP_NOT_CONFIGURED:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    case ErrorCode.INVALID_CODE:
    case ErrorCode.CODE_EXPIRED:
    case ErrorCode.METHOD_NOT_AVAILABLE:
    case ErrorCode.REQUIRED_BY_POLICY:
    case ErrorCode.BAD_USER_INPUT:
    case ErrorCode.GRAPHQL_PARSE_FAILED:
    case ErrorCode.GRAPHQL_VALIDATION_FAILED:
      return HttpStatus.BAD_REQUEST;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/**
 * A DomainException raised over plain HTTP (a host app's controller that
 * calls Twofold's services or uses its guard) answers with its status and
 * code as JSON, like a GraphQL error's extensions. GraphQL errors are mapped
 * by formatGraphQLError instead; this filter leaves them alone.
 */
@Catch(DomainException)
export class DomainExceptionHttpFilter implements ExceptionFilter {
  catch(exception: DomainException, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const { retryAfterSeconds } = exception.details;
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    return response.status(httpStatusOf(exception.code)).json({ message: exception.message, code: exception.code, ...publicDetails(exception.details) });
  }
}
