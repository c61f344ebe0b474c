import { IntrinsicException } from '@nestjs/common';
import { defaultMessage, ErrorCode } from './error-code';

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
    readonly code: ErrorCode,
    message?: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message ?? defaultMessage(code));
    this.name = 'DomainException';
  }

  static badInput(field: string, message: string): DomainException {
    return new DomainException(ErrorCode.BAD_USER_INPUT, message, { field });
  }

  static notFound(what = 'Not found.'): DomainException {
    return new DomainException(ErrorCode.NOT_FOUND, what);
  }
}
