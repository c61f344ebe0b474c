import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateColumn } from '../../../database/columns';

/**
 * The primary second factors a user has turned on (EMAIL, AUTHENTICATOR_APP,
 * an integrator's method): one row per method, and which one is preferred
 * (asked for first at sign-in). Backup codes are not here: they are a
 * fallback, never a method of their own.
 */
@Entity('two_factor_methods')
export class UserMethodEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  method: string;

  @DateColumn()
  enabledAt: Date;

  /** 1 for the user's preferred method (exactly one while any is enabled), else 0. */
  @Column({ type: 'int', default: 0 })
  preferred: number;
}
