/** Every code a client may see in `extensions.code` (the contract's list). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  TWO_FACTOR_REQUIRED = 'TWO_FACTOR_REQUIRED',
  ENROLLMENT_REQUIRED = 'ENROLLMENT_REQUIRED',
  FORBIDDEN = 'FORBIDDEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_CODE = 'INVALID_CODE',
  CODE_EXPIRED = 'CODE_EXPIRED',
  TOO_MANY_ATTEMPTS = 'TOO_MANY_ATTEMPTS',
  ACCOUNT_LOCKED = 'ACCOUNT_LOCKED',
  RESEND_TOO_SOON = 'RESEND_TOO_SOON',
  SMTP_NOT_CONFIGURED = 'SMTP_NOT_CONFIGURED',
  METHOD_NOT_AVAILABLE = 'METHOD_NOT_AVAILABLE',
  REQUIRED_BY_POLICY = 'REQUIRED_BY_POLICY',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  RATE_LIMITED = 'RATE_LIMITED',
  ACCOUNT_DISABLED = 'ACCOUNT_DISABLED',
  REAUTHENTICATION_REQUIRED = 'REAUTHENTICATION_REQUIRED',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

const CONTRACT_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isContractCode(code: string): code is ErrorCode {
  return CONTRACT_CODES.has(code);
}

/** The message a client sees when the thrower gives none. */
export function defaultMessage(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.UNAUTHENTICATED:
      return 'Sign in first: the session token is missing, expired or revoked.';
    case ErrorCode.TWO_FACTOR_REQUIRED:
      return 'Enter your two-factor authentication code first.';
    case ErrorCode.ENROLLMENT_REQUIRED:
      return 'Set up two-factor authentication first.';
    case ErrorCode.FORBIDDEN:
      return 'You do not have permission to do this.';
    case ErrorCode.INVALID_CREDENTIALS:
      return 'The email or password is incorrect.';
    case ErrorCode.INVALID_CODE:
      return 'The code is incorrect.';
    case ErrorCode.CODE_EXPIRED:
      return 'The code has expired. Ask for a new one.';
    case ErrorCode.TOO_MANY_ATTEMPTS:
      return 'Please try again in five minutes.';
    case ErrorCode.ACCOUNT_LOCKED:
      return 'Too many failed attempts: the account is locked for now.';
    case ErrorCode.RESEND_TOO_SOON:
      return 'Please wait before asking for another code.';
    case ErrorCode.SMTP_NOT_CONFIGURED:
      return 'No mail server is configured. An administrator must set one up (Custom SMTP Server).';
    case ErrorCode.METHOD_NOT_AVAILABLE:
      return 'This two-factor method is not available.';
    case ErrorCode.REQUIRED_BY_POLICY:
      return 'The security policy requires two-factor authentication for this account.';
    case ErrorCode.BAD_USER_INPUT:
      return 'The input is not valid.';
    case ErrorCode.NOT_FOUND:
      return 'Not found.';
    case ErrorCode.RATE_LIMITED:
      return 'Too many requests. Please slow down.';
    case ErrorCode.ACCOUNT_DISABLED:
      return 'This account has been disabled. Contact your administrator.';
    case ErrorCode.REAUTHENTICATION_REQUIRED:
      return 'Enter your password again to make this change.';
    case ErrorCode.GRAPHQL_PARSE_FAILED:
      return 'The GraphQL document does not parse.';
    case ErrorCode.GRAPHQL_VALIDATION_FAILED:
      return 'The GraphQL document asks for something this server does not have.';
    case ErrorCode.INTERNAL_SERVER_ERROR:
      return 'Internal server error.';
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
