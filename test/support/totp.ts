import { execFileSync } from 'node:child_process';

/** The six-digit code an authenticator app shows at `at`, from the real oathtool (RFC 6238, SHA-1, 30 s). */
export function oathtoolCode(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).trim();
}
