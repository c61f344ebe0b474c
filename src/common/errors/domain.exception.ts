import { IntrinsicException } from '@nestjs/common';
import { TwofoldExtensions } from '../../extensions/twofold-extension';
import { defaultMessage, ErrorCode, isContractCode } from './error-code';

/** Extra facts a client may act on; only these reach `extensions`. */
export interface ErrorDetails {
  /** The input field at fault (BAD_USER_INPUT; INVALID_CREDENTIALS for a re-entered password). */
  field?: string;
  retryAfterSeconds?: number;
  attemptsRemaining?: number;
}

/**
 * The one exception type services throw for an expected failure. It is
 * turned into a GraphQL error in one place (format-error.ts). Intrinsic:
 * Nest does not log it as a crash.
 */
export class DomainException extends IntrinsicException {
  constructor(
    /** A contract code, or one an extension registered (TwofoldModule.forFeature({ errorCodes })). */
    readonly code: ErrorCode | (string & {}),
    message?: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message ?? messageOf(code));
    this.name = 'DomainException';
  }

  static badInput(field: string, message: string): DomainException {
    return new DomainException(ErrorCode.BAD_USER_INPUT, message, { field });
  }

  static notFound(what = 'Not found.'): DomainException {
    return new DomainException(ErrorCode.NOT_FOUND, what);
  }
}

/** The facts a client may act on, as `extensions` (GraphQL) or the JSON body (HTTP) carry them. */
export function publicDetails(details: ErrorDetails): ErrorDetails {
  const { field, retryAfterSeconds, attemptsRemaining } = details;
  return {
    ...(field !== undefined && { field }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(attemptsRemaining !== undefined && { attemptsRemaining }),
  };
}

/** The default message of a contract code or of a code an extension registered. */
function messageOf(code: string): string {
  if (isContractCode(code)) return defaultMessage(code);
  return TwofoldExtensions.errorMessage(code) ?? 'The request failed.';
}

/** Whether `code` may reach a client: a contract code, or one an extension registered. */
export function isKnownErrorCode(code: string): boolean {
  return isContractCode(code) || TwofoldExtensions.errorMessage(code) !== undefined;
}
