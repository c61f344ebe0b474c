import { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { ClientInfo } from '../../common/http/request-context';
import { TwoFactorPolicy } from '../policy/policy.types';

/**
 * One second factor: email codes, an authenticator app, backup codes, a
 * passkey, or an integrator's SMS or push app. The core (challenge,
 * enrollment, policy) knows methods only through this contract; it holds
 * what every method shares: the policy, the one attempt gate (every check
 * below runs inside it), backup codes with the first method, events and
 * sessions. A method is a provider marked @TwoFactorMethodHandler() in any
 * module; see docs/extending.md.
 */
export interface TwoFactorMethodHandler {
  /** The value clients send as `method` (a TwoFactorMethod enum value). */
  readonly method: string;
  /**
   * True for methods that turn 2FA on by themselves (email, app, SMS,
   * passkey); false for fallbacks that never stand alone (backup codes).
   */
  readonly primary: boolean;
  /**
   * What a delivering method sends its codes to, shown masked as the
   * challenge's `sentTo` ('email' also fills `emailSentTo`). Absent for
   * methods with nothing to send.
   */
  readonly sendsTo?: 'email' | 'phone' | (string & {});
  /** What the user answers with: a typed code (default) or a structured credential (WebAuthn). */
  readonly answers?: 'code' | 'credential';

  /**
   * Throws the method's own error when it cannot be used at all now,
   * whatever the policy says (EMAIL without a mail server:
   * SMTP_NOT_CONFIGURED; PASSKEY without WebAuthn configured:
   * METHOD_NOT_AVAILABLE). Enrollment asks first; the policy cannot require
   * 2FA while no allowed method is available.
   */
  assertAvailable?(): Promise<void>;

  /** Whether this user can answer a challenge with this method now. */
  isEnabled(userId: string): Promise<boolean>;

  /**
   * The canonical form of what the user typed, or null when it cannot be an
   * answer of this method (BAD_USER_INPUT, and no attempt is spent). For
   * credential methods, the parsed credential.
   */
  normalizeCode(input: string): string | null;
  parseCredential?(input: unknown): unknown;

  /**
   * Sends a code (email, SMS) for a sign-in challenge or a pending
   * enrollment, replacing the last one of the same challenge. The core
   * decides when (the preferred method at sign-in, resends, enrollment
   * starts) and charges each send to the user's send budget. Absent for
   * methods with nothing to send.
   */
  deliver?(request: DeliveryRequest): Promise<DeliveryReceipt>;

  /**
   * Checks a normalised answer for a sign-in challenge. Consumes whatever
   * must be single-use (email code, TOTP step, backup code) atomically: a
   * conditional UPDATE whose affected-row count decides, so two racing
   * requests get one success. Called inside the attempt gate. A primary
   * method answers 'unavailable' when the user does not have it (no secret,
   * no passkey, the method off): that costs the user nothing.
   */
  verify(request: VerificationRequest): Promise<VerificationOutcome>;

  /** Voids whatever deliver() issued for this challenge (cancelSignIn, lockout). */
  cancel?(request: CancelRequest): Promise<void>;

  /** Removes this method's state for the user (turning it off, admin reset). */
  disable(userId: string): Promise<void>;

  /** The enrollment half; absent for fallbacks, which are never enrolled on their own. */
  readonly enrollment?: MethodEnrollment;
}

/** A method's state while it is being set up: small JSON, kept sealed on the pending enrollment. */
export type EnrollmentState = Record<string, string | number | boolean | null>;

/**
 * How a primary method is set up. The core runs the flow: recent
 * authentication, policy, pending enrollment, the send budget and resend
 * cooldown for delivering methods, the attempt gate around check(), and the
 * transaction that turns the method on (persist(), the user's method row,
 * backup codes when it is the first).
 */
export interface MethodEnrollment {
  /** May a user who has the method on enroll it again (another passkey)? */
  readonly repeatable?: boolean;
  /** How long a started enrollment may be confirmed. */
  lifetimeMinutes(policy: TwoFactorPolicy): number;
  /**
   * Starts: the state confirmation will need, from the method's own input
   * (a new TOTP secret, a phone number, WebAuthn options). Delivering
   * methods then get deliver() with purpose 'enrollment' and this state.
   */
  begin(request: EnrollmentBeginRequest): Promise<EnrollmentState>;
  /** Checks the answer against the pending state (inside the attempt gate). */
  check(request: EnrollmentCheckRequest): Promise<VerificationOutcome>;
  /**
   * Stores what the method keeps once on (the secret, the phone number, the
   * credential), inside the transaction that turns it on; throwing cancels
   * the whole enrollment. Must tolerate being run again (the transaction is
   * retried on a deadlock).
   */
  persist(manager: EntityManager, request: EnrollmentPersistRequest): Promise<void>;
}

export interface EnrollmentBeginRequest {
  userId: string;
  email: string;
  /** The pending enrollment's id: binds what deliver() sends. */
  enrollmentId: string;
  /** The session that starts it: a method may bind what it issues (a WebAuthn challenge) to it. */
  sessionId: string;
  /** The method's own input (e.g. { phone }), as its resolver passed it. */
  input: unknown;
  now: Date;
  policy: TwoFactorPolicy;
}

export interface EnrollmentCheckRequest {
  userId: string;
  enrollmentId: string;
  /** The session that answers (see EnrollmentBeginRequest.sessionId). */
  sessionId: string;
  state: EnrollmentState;
  /** Normalised by normalizeCode (code methods). */
  code: string | null;
  /** Parsed by parseCredential (credential methods). */
  credential: unknown;
  now: Date;
  policy: TwoFactorPolicy;
  client: ClientInfo | null;
}

export interface EnrollmentPersistRequest extends Omit<EnrollmentCheckRequest, 'client' | 'policy'> {
  /** What check() accepted with (e.g. the TOTP step it used). */
  accepted: Record<string, string | number | boolean>;
  /** A name the user gave (passkeys). */
  name: string | null;
}

export interface CancelRequest {
  userId: string;
  challengeId: string;
}

export interface DeliveryRequest {
  userId: string;
  email: string;
  /** The pending session or pending enrollment the code belongs to: it never works for another. */
  challengeId: string;
  /** Default 'sign-in'. A code sent for one purpose never works for the other. */
  purpose?: 'sign-in' | 'enrollment';
  /** For an enrollment: the state begin() made (e.g. the phone number to text). */
  state?: EnrollmentState;
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
  /** Already normalised by normalizeCode (empty for credential methods). */
  code: string;
  /** Parsed by parseCredential (credential methods). */
  credential?: unknown;
  now: Date;
  policy: TwoFactorPolicy;
  client: ClientInfo;
}

export type VerificationOutcome =
  | {
      status: 'accepted';
      /** Facts for the SIGN_IN_SUCCEEDED event, never the code (e.g. { adminIssued: true }). */
      details?: Record<string, string | number | boolean>;
      /** False when this answer may not make the device trusted (a code an admin issued). Default true. */
      trustsDevice?: boolean;
    }
  | { status: 'refused' }
  | { status: 'expired' }
  /** The user does not have this method: METHOD_NOT_AVAILABLE, and the attempt is given back. */
  | { status: 'unavailable' };

/** Marks a provider class as a second-factor method; found at start by discovery. */
export const TwoFactorMethodHandler = DiscoveryService.createDecorator();
