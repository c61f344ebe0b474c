import { DiscoveryService } from '@nestjs/core';
import { ClientInfo } from '../../common/http/request-context';
import { TwoFactorPolicy } from '../policy/policy.types';

/**
 * One second factor (email code, authenticator app, backup code, or an
 * integrator's SMS...). The challenge and enrollment code know methods only
 * through this interface: a new method is one class marked with
 * @TwoFactorMethodHandler() and provided in any module, no switch to edit.
 */
export interface TwoFactorMethodHandler {
  /** The value clients send as `method` (a TwoFactorMethod enum value). */
  readonly method: string;
  /**
   * True for methods that turn 2FA on by themselves (email, app, SMS);
   * false for fallbacks that never stand alone (backup codes).
   */
  readonly primary: boolean;

  /** Whether this user can answer a challenge with this method now. */
  isEnabled(userId: string): Promise<boolean>;

  /**
   * The canonical form of what the user typed, or null when it cannot be a
   * code of this method (BAD_USER_INPUT, and no attempt is spent).
   */
  normalizeCode(input: string): string | null;

  /**
   * Sends a code for this sign-in when the method delivers one (email, SMS):
   * at sign-in when it is the preferred method, and on resend. Replaces any
   * earlier code of the same challenge. Absent for methods with nothing to
   * send (authenticator app, backup codes).
   */
  deliver?(request: DeliveryRequest): Promise<DeliveryReceipt>;

  /**
   * Checks a normalised code. Consumes whatever must be single-use (email
   * code, TOTP step, backup code) atomically: a conditional UPDATE whose
   * affected-row count decides, so two racing requests get one success.
   */
  verify(request: VerificationRequest): Promise<VerificationOutcome>;

  /**
   * Voids whatever deliver() issued for this challenge (cancelSignIn). Absent
   * for methods that deliver nothing.
   */
  cancel?(request: CancelRequest): Promise<void>;

  /** Removes this method's state for the user (turning it off, admin reset). */
  disable(userId: string): Promise<void>;
}

export interface CancelRequest {
  userId: string;
  challengeId: string;
}

export interface DeliveryRequest {
  userId: string;
  email: string;
  /** The pending session the code belongs to: a code never works for another challenge. */
  challengeId: string;
  now: Date;
  policy: TwoFactorPolicy;
}

export interface DeliveryReceipt {
  /** Masked destination shown to the user, e.g. j***@example.com. */
  sentTo: string;
  expiresAt: Date;
}

export interface VerificationRequest {
  userId: string;
  challengeId: string;
  /** Already normalised by normalizeCode. */
  code: string;
  now: Date;
  policy: TwoFactorPolicy;
  client: ClientInfo;
}

export type VerificationOutcome =
  | { status: 'accepted'; /** Facts for the security event (e.g. { adminIssued: true, issuedBy }). */ details?: Record<string, string | boolean> }
  | { status: 'refused' }
  | { status: 'expired' };

/** Marks a provider class as a second-factor method; found at start by discovery. */
export const TwoFactorMethodHandler = DiscoveryService.createDecorator();
