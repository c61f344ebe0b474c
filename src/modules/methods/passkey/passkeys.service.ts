import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { conditionalUpdate } from '../../../database/conditional-update';
import { PasskeyEntity } from './entities/passkey.entity';

/** The unique key a credential id is looked up by. */
export function credentialDigestOf(credentialId: string): string {
  return createHash('sha256').update(credentialId).digest('hex');
}

export type NewPasskey = Omit<PasskeyEntity, 'credentialDigest' | 'lastUsedAt'>;

/** A use to record: the counter moves forward (or both stay 0), atomically. */
export interface PasskeyUse {
  id: string;
  signCount: number;
  backedUp: boolean;
  /** A passwordless sign-in proved the credential discoverable. */
  discoverable?: boolean;
  now: Date;
}

/** Stored passkeys (one row per credential), and their sign counters. */
@Injectable()
export class PasskeysService {
  constructor(@InjectRepository(PasskeyEntity) private readonly passkeys: Repository<PasskeyEntity>) {}

  /** The user's passkeys, oldest first. */
  list(userId: string, manager?: EntityManager): Promise<PasskeyEntity[]> {
    const repo = manager ? manager.getRepository(PasskeyEntity) : this.passkeys;
    return repo.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findByCredentialId(credentialId: string): Promise<PasskeyEntity | null> {
    return this.passkeys.findOneBy({ credentialDigest: credentialDigestOf(credentialId) });
  }

  findOwn(userId: string, id: string): Promise<PasskeyEntity | null> {
    return this.passkeys.findOneBy({ id, userId });
  }

  /** Inside the enrollment's transaction; a rerun of that transaction inserts again (the first was rolled back). */
  async insert(manager: EntityManager, passkey: NewPasskey): Promise<void> {
    await manager.getRepository(PasskeyEntity).insert({ ...passkey, credentialDigest: credentialDigestOf(passkey.credentialId), lastUsedAt: null });
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const result = await this.passkeys.update({ id, userId }, { name });
    return (result.affected ?? 0) > 0;
  }

  /** Removes one passkey of the user: false when it was not theirs, or already gone. */
  async delete(userId: string, id: string, manager?: EntityManager): Promise<boolean> {
    const result = await (manager ? manager.getRepository(PasskeyEntity) : this.passkeys).delete({ id, userId });
    return (result.affected ?? 0) > 0;
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.passkeys.delete({ userId });
  }

  /**
   * Records a use if the signature counter moved forward (or the
   * authenticator keeps none: both 0). One conditional UPDATE: false means
   * the counter did not advance (a cloned authenticator, or a racing use of
   * the same signature), and nothing changed.
   */
  async recordUse(use: PasskeyUse): Promise<boolean> {
    const set: Record<string, string | number | boolean | Date> = { signCount: use.signCount, backedUp: use.backedUp, lastUsedAt: use.now };
    if (use.discoverable) set.discoverable = true;
    const updated = await conditionalUpdate(this.passkeys, {
      set,
      where: 'id = :id AND (signCount < :signCount OR (signCount = 0 AND :signCount = 0))',
      parameters: { id: use.id, signCount: use.signCount },
    });
    return updated > 0;
  }
}
