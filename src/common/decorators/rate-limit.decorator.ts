import { SetMetadata } from '@nestjs/common';

export const SENSITIVE_RATE_LIMIT = 'twofold:sensitive-rate-limit';

/**
 * Counts each call (each alias of a mutation too) against the client IP's
 * per-minute allowance for this operation (RATE_LIMIT_PER_MINUTE); past it,
 * RATE_LIMITED with retryAfterSeconds. For the operations that check a
 * password or a code, or send mail: signIn, verifyTwoFactor,
 * resendTwoFactorCode and the enrollment mutations. The per-account
 * attempt counters are the real brute-force defence; this one keeps one
 * address from hammering them.
 */
export const SensitiveRateLimit = () => SetMetadata(SENSITIVE_RATE_LIMIT, true);
