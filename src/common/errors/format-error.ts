import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { DomainException, isKnownErrorCode, publicDetails } from './domain.exception';
import { defaultMessage, ErrorCode } from './error-code';
import { currentRequestId } from '../logging/request-id';

const logger = new Logger('GraphQL');

/**
 * Apollo's codes for a request it refused before any resolver ran, other
 * than a document that does not parse or does not validate (below): the
 * client's fault, answered BAD_USER_INPUT.
 */
const REQUEST_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** AST kinds of literal values: a validation error that points only at these is about a value. */
const VALUE_KINDS = new Set(['IntValue', 'FloatValue', 'StringValue', 'BooleanValue', 'NullValue', 'EnumValue', 'ListValue', 'ObjectValue', 'ObjectField']);

/** graphql-js messages about a value in the document (a literal of the wrong type, a missing required argument). */
const VALUE_MESSAGES = [/cannot represent/, /^Expected value of type /, /argument "\w+" of type .* is required, but it was not provided/];

/** Size limits that graphql-js enforces itself (ours mark their errors with a code: src/graphql/limits.ts). */
const LIMIT_MESSAGES = [/^Syntax Error: Document contains more th(?:an|at) \d+ tokens/, /^Maximum introspection depth exceeded/];

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

  if (original instanceof DomainException && isKnownErrorCode(original.code)) {
    return { ...base, message: original.message, extensions: { code: original.code, ...publicDetails(original.details) } };
  }

  if (original instanceof HttpException) {
    const code = httpStatusCode(original.getStatus());
    if (code === ErrorCode.INTERNAL_SERVER_ERROR) {
      logger.error(original.message, original.stack);
      return { ...base, message: defaultMessage(code), extensions: { code, ...requestIdExtension() } };
    }
    return { ...base, message: original.message, extensions: { code } };
  }

  const code = requestErrorCode(formatted, error, original);
  if (code) {
    const field = code === ErrorCode.BAD_USER_INPUT ? fieldOf(formatted.message) : undefined;
    return { ...base, extensions: { code, ...(field && { field }) } };
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

interface GraphQLErrorShape {
  message?: unknown;
  nodes?: ReadonlyArray<{ kind?: unknown }>;
  extensions?: { code?: unknown; http?: { status?: unknown } };
  originalError?: unknown;
}

/**
 * The contract code for a request refused before any resolver ran, or null
 * when the error is not one:
 * - GRAPHQL_PARSE_FAILED: the document does not parse;
 * - GRAPHQL_VALIDATION_FAILED: it asks for a field, argument, type or
 *   directive this schema does not have, or is otherwise inconsistent with it;
 * - BAD_USER_INPUT: a value is wrong (a literal of the wrong type, a missing
 *   required argument: the same answer as the same mistake in a variable),
 *   a limit is passed (size, depth, aliases), or the HTTP request itself is
 *   malformed (no query, CSRF, an unsupported or mismatched persisted query...).
 */
function requestErrorCode(formatted: GraphQLFormattedError, error: unknown, original: unknown): ErrorCode | null {
  const message = formatted.message;
  const apolloCode = formatted.extensions?.code;
  // Our own rules and plugins name their code on the error they raise; Apollo rewraps it.
  const ownCode = (original as GraphQLErrorShape | null)?.extensions?.code;
  if (ownCode === ErrorCode.BAD_USER_INPUT) return ErrorCode.BAD_USER_INPUT;

  if (apolloCode === 'GRAPHQL_PARSE_FAILED') {
    return LIMIT_MESSAGES.some((p) => p.test(message)) ? ErrorCode.BAD_USER_INPUT : ErrorCode.GRAPHQL_PARSE_FAILED;
  }
  if (apolloCode === 'GRAPHQL_VALIDATION_FAILED') {
    if (LIMIT_MESSAGES.some((p) => p.test(message)) || isAboutAValue(original, message)) return ErrorCode.BAD_USER_INPUT;
    return ErrorCode.GRAPHQL_VALIDATION_FAILED;
  }
  if (typeof apolloCode === 'string' && REQUEST_ERROR_CODES.has(apolloCode)) return ErrorCode.BAD_USER_INPUT;

  // Apollo refuses some requests with a plain GraphQLError and only an HTTP status (an unsupported
  // persisted-query version, a hash that does not match its query): no code, no cause, a 4xx.
  const raw = error as GraphQLErrorShape | null;
  const status = raw?.extensions?.http?.status;
  if (!raw?.originalError && raw?.extensions?.code === undefined && typeof status === 'number' && status >= 400 && status < 500) {
    return ErrorCode.BAD_USER_INPUT;
  }
  return null;
}

/** A validation error about a literal value rather than about the document's shape. */
function isAboutAValue(original: unknown, message: string): boolean {
  const nodes = (original as GraphQLErrorShape | null)?.nodes;
  if (nodes?.length && nodes.every((node) => VALUE_KINDS.has(String(node?.kind)))) return true;
  return VALUE_MESSAGES.some((p) => p.test(message));
}
