import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { DomainException } from './domain.exception';
import { defaultMessage, ErrorCode } from './error-code';
import { currentRequestId } from '../logging/request-id';

const logger = new Logger('GraphQL');

/** Apollo's own codes for a request that never reached a resolver. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The error a resolver threw, out of Apollo's GraphQLError wrapping. Duck
 * typed: graphql may be loaded twice (CommonJS and ESM builds), so
 * `instanceof GraphQLError` cannot be trusted.
 */
function unwrap(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const inner = (current as { originalError?: unknown } | null)?.originalError;
    if (!inner || inner === current) break;
    current = inner;
  }
  return current;
}

function httpStatusCode(status: number): ErrorCode {
  switch (status) {
    case HttpStatus.UNAUTHORIZED:
      return ErrorCode.UNAUTHENTICATED;
    case HttpStatus.FORBIDDEN:
      return ErrorCode.FORBIDDEN;
    case HttpStatus.NOT_FOUND:
      return ErrorCode.NOT_FOUND;
    case HttpStatus.TOO_MANY_REQUESTS:
      return ErrorCode.RATE_LIMITED;
    default:
      return status < 500 ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR;
  }
}

/**
 * The input field graphql-js names in a coercion or validation message, so
 * that a wrong type answers like a wrong value: BAD_USER_INPUT with `field`.
 * The innermost name wins ("input.code" → "code").
 */
export function fieldOf(message: string): string | undefined {
  const patterns = [
    /Field "(?:\w+\.)?(\w+)" (?:of required type .* was not provided|is not defined by type)/,
    /got invalid value .*? at "([\w.[\]]+)"/,
    /Variable "\$(\w+)" (?:of required type|of non-null type|got invalid value)/,
    /argument "(\w+)" of type .* is required/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(message);
    if (match) return match[1].replace(/\[\d+\]/g, '').split('.').pop();
  }
  return undefined;
}

/**
 * The one mapping from whatever was thrown to what a client sees: a message
 * and `extensions.code` from the contract, plus retryAfterSeconds /
 * attemptsRemaining / field where they apply. Nothing else leaks: no stack,
 * no SQL, no exception class names.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrap(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };

  if (original instanceof DomainException) {
    const { field, retryAfterSeconds, attemptsRemaining } = original.details;
    return {
      ...base,
      message: original.message,
      extensions: {
        code: original.code,
        ...(field !== undefined && { field }),
        ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
        ...(attemptsRemaining !== undefined && { attemptsRemaining }),
      },
    };
  }

  if (original instanceof HttpException) {
    const code = httpStatusCode(original.getStatus());
    if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
      logger.error(original.message, original.stack);
      return { ...base, message: defaultMessage(code), extensions: { code, ...requestIdExtension() } };
    }
    return { ...base, message: original.message, extensions: { code } };
  }

  const apolloCode = formatted.extensions?.code;
  if (typeof apolloCode === 'string' && REQUEST_ERROR_CODES.has(apolloCode)) {
    // Malformed documents and variables: the client's fault, in the contract's terms.
    const field = fieldOf(formatted.message);
    return { ...base, extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field && { field }) } };
  }

  // Anything else is a bug or an outage: log it whole, answer without details.
  const cause = original instanceof Error ? original : new Error(String(formatted.message));
  logger.error(`${cause.name}: ${cause.message}`, cause.stack);
  return { ...base, message: defaultMessage(ErrorCode.INTERNAL_SERVER_ERROR), extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...requestIdExtension() } };
}

/** An internal error names its request, so support can find the log lines from a user's report. */
function requestIdExtension(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId ? { requestId } : {};
}
