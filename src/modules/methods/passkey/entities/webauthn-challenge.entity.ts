import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../../../database/columns';

export type WebAuthnChallengePurpose = 'registration' | 'second-factor' | 'passwordless';

/**
 * A WebAuthn challenge handed to a browser, kept server-side until it is
 * answered: a response is accepted only if it consumes its row (one
 * conditional DELETE), so each challenge answers once. Dead after expiresAt
 * (5 minutes).
 */
@Entity('webauthn_challenges')
@Index('IDX_webauthn_challenges_session', ['sessionId', 'purpose'])
@Index('IDX_webauthn_challenges_expires', ['expiresAt'])
export class WebAuthnChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** 32 random bytes, base64url, as the browser echoes it in clientDataJSON. */
  @Index('UQ_webauthn_challenges_challenge', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  challenge: string;

  @Column({ type: 'varchar', length: 16 })
  purpose: WebAuthnChallengePurpose;

  /** The user it was issued for; null for a passwordless sign-in (the user is not known yet). */
  @Column({ type: 'varchar', length: 36, nullable: true })
  userId: string | null;

  /** The session it is bound to (the pending sign-in, or the session enrolling); null for a passwordless sign-in. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  sessionId: string | null;

  @DateColumn()
  createdAt: Date;

  @DateColumn()
  expiresAt: Date;
}
