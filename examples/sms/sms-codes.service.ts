import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { addMinutes, KeyedHasher, randomDigits } from '../../src';
import { SmsCodeEntity } from './entities/sms-code.entity';

type Purpose = SmsCodeEntity['purpose'];

/** Texted codes: one per challenge (a new one replaces it), stored as a salted keyed hash, used once. */
@Injectable()
export class SmsCodesService {
  constructor(
    @InjectRepository(SmsCodeEntity) private readonly codes: Repository<SmsCodeEntity>,
    private readonly hasher: KeyedHasher,
  ) {}

  async issue(userId: string, challengeId: string, purpose: Purpose, ttlMinutes: number, now: Date): Promise<{ code: string; expiresAt: Date }> {
    const code = randomDigits(6);
    const salt = this.hasher.newSalt();
    const expiresAt = addMinutes(now, ttlMinutes);
    await this.codes.upsert({ challengeId, userId, purpose, salt, digest: this.hasher.saltedDigest(code, salt), expiresAt, usedAt: null }, ['challengeId']);
    return { code, expiresAt };
  }

  /** 'accepted' once for the right, unexpired code (a conditional UPDATE decides between racing requests). */
  async check(userId: string, challengeId: string, purpose: Purpose, code: string, now: Date): Promise<'accepted' | 'refused' | 'expired'> {
    const row = await this.codes.findOneBy({ challengeId, userId, purpose, usedAt: IsNull() });
    if (!row || !this.hasher.verifySalted(code, row.salt, row.digest)) return 'refused';
    if (row.expiresAt <= now) return 'expired';
    const used = await this.codes.update({ challengeId, digest: row.digest, usedAt: IsNull() }, { usedAt: now });
    return used.affected === 1 ? 'accepted' : 'refused';
  }

  async discard(challengeId: string): Promise<void> {
    await this.codes.delete({ challengeId });
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.codes.delete({ userId });
  }
}
