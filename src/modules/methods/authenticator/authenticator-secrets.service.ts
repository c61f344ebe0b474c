import { SecretSealer, UnsealError } from '@app/crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { resealOnUse } from '../../../common/security/reseal-on-use';
import { AuthenticatorSecretEntity } from './authenticator-secret.entity';

/** The sealing context of a user's TOTP secret (pending or confirmed). */
export const totpSealContext = (userId: string): string => `totp:${userId}`;

/** Stored authenticator secrets. The clear secret leaves this class only for verifyTotp. */
@Injectable()
export class AuthenticatorSecretsService {
  private readonly logger = new Logger('AuthenticatorSecrets');

  constructor(
    @InjectRepository(AuthenticatorSecretEntity) private readonly secrets: Repository<AuthenticatorSecretEntity>,
    private readonly sealer: SecretSealer,
  ) {}

  seal(userId: string, secretBase32: string): string {
    return this.sealer.seal(secretBase32, totpSealContext(userId));
  }

  /** The clear secret, or null when none is stored or it cannot be opened (wrong key, tampering). */
  unseal(userId: string, sealedSecret: string): string | null {
    try {
      return this.sealer.unseal(sealedSecret, totpSealContext(userId));
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      this.logger.warn(`The authenticator secret of user ${userId} cannot be unsealed: ${error.message}`);
      return null;
    }
  }

  /** The confirmed secret; one sealed under a previous APP_SECRET is sealed again under the current one (re-seal on use). */
  async find(userId: string): Promise<AuthenticatorSecretEntity | null> {
    const row = await this.secrets.findOneBy({ userId });
    if (row) {
      row.sealedSecret = await resealOnUse(this.sealer, row.sealedSecret, totpSealContext(userId), (fresh) =>
        this.secrets.update({ userId, sealedSecret: row.sealedSecret }, { sealedSecret: fresh }),
      );
    }
    return row;
  }

  /**
   * Stores a confirmed secret (replacing any earlier one), inside the
   * enrollment's transaction: one upsert on the primary key, never a DELETE
   * of a row that is not there, whose gap lock would deadlock two users
   * enrolling at once. Safe to run again (a retried transaction).
   */
  async store(manager: EntityManager, userId: string, secretBase32: string, lastUsedStep: number, now: Date): Promise<void> {
    const sealedSecret = this.seal(userId, secretBase32);
    await manager.getRepository(AuthenticatorSecretEntity).upsert({ userId, sealedSecret, lastUsedStep, createdAt: now }, ['userId']);
  }

  /**
   * Records `step` as used, if it is newer than the last used one. Only one of
   * several racing requests with the same code gets true.
   */
  async advance(userId: string, step: number): Promise<boolean> {
    const result = await this.secrets
      .createQueryBuilder()
      .update()
      .set({ lastUsedStep: step })
      .where('userId = :userId', { userId })
      .andWhere(new Brackets((q) => q.where('lastUsedStep IS NULL').orWhere('lastUsedStep < :step', { step })))
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async delete(userId: string): Promise<void> {
    await this.secrets.delete({ userId });
  }
}
