import { addSeconds, Clock } from '@app/clock';
import { SecretSealer, UnsealError } from '@app/crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { conditionalUpdate } from '../../database/conditional-update';
import { EnrollmentState } from '../methods/two-factor-method.handler';
import { PendingEnrollmentEntity } from './entities/pending-enrollment.entity';

/** The sealing context of a pending enrollment's state: useless if copied to another row. */
export const enrollmentSealContext = (id: string) => `enrollment:${id}`;

/** A pending enrollment as the flow uses it: the state unsealed. */
export interface PendingEnrollment {
  id: string;
  userId: string;
  method: string;
  state: EnrollmentState;
  lastSentAt: Date | null;
  sentTo: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Pending enrollments: one row per user and method, the method's state sealed. */
@Injectable()
export class PendingEnrollmentsService {
  constructor(
    @InjectRepository(PendingEnrollmentEntity) private readonly pending: Repository<PendingEnrollmentEntity>,
    private readonly sealer: SecretSealer,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The user's pending enrollment of this method, or null (none, or its state cannot be opened any more). */
  async find(userId: string, method: string): Promise<PendingEnrollment | null> {
    const row = await this.pending.findOneBy({ userId, method });
    if (!row) return null;
    let state: EnrollmentState = {};
    if (row.sealedState) {
      try {
        state = JSON.parse(this.sealer.unseal(row.sealedState, enrollmentSealContext(row.id))) as EnrollmentState;
      } catch (error) {
        if (!(error instanceof UnsealError) && !(error instanceof SyntaxError)) throw error;
        await this.pending.delete({ id: row.id });
        return null;
      }
    }
    const { sealedState: _sealed, ...rest } = row;
    return { ...rest, state };
  }

  /** A new pending enrollment, replacing the user's earlier one of the same method. */
  async replace(enrollment: Omit<PendingEnrollment, 'lastSentAt' | 'sentTo'>): Promise<PendingEnrollment> {
    const hasState = Object.keys(enrollment.state).length > 0;
    const row: PendingEnrollmentEntity = {
      id: enrollment.id,
      userId: enrollment.userId,
      method: enrollment.method,
      sealedState: hasState ? this.sealer.seal(JSON.stringify(enrollment.state), enrollmentSealContext(enrollment.id)) : null,
      lastSentAt: null,
      sentTo: null,
      createdAt: enrollment.createdAt,
      expiresAt: enrollment.expiresAt,
    };
    await this.pending.upsert(row, ['userId', 'method']);
    return { ...enrollment, lastSentAt: null, sentTo: null };
  }

  /**
   * Claims a send for the enrollment: one conditional UPDATE, so of two
   * racing resends one sends; refused (false) within the cooldown after the
   * last send. The expiry moves with the new code.
   */
  async claimSend(id: string, cooldownSeconds: number, expiresAt: Date): Promise<boolean> {
    const now = this.clock.now();
    const claimed = await conditionalUpdate(this.pending, {
      set: { lastSentAt: now, expiresAt },
      where: 'id = :id AND expiresAt > :now AND (lastSentAt IS NULL OR lastSentAt <= :threshold)',
      parameters: { id, now, threshold: addSeconds(now, -cooldownSeconds) },
    });
    return claimed > 0;
  }

  /** Gives a send back that did not happen, when nothing was sent since. */
  async unclaimSend(id: string, sentAt: Date, previous: { lastSentAt: Date | null; expiresAt: Date }): Promise<void> {
    await conditionalUpdate(this.pending, {
      set: { lastSentAt: previous.lastSentAt, expiresAt: previous.expiresAt },
      where: 'id = :id AND lastSentAt = :sentAt',
      parameters: { id, sentAt },
    });
  }

  async recordDestination(id: string, sentTo: string): Promise<void> {
    await this.pending.update({ id }, { sentTo });
  }

  /** Ends the pending enrollment inside the enabling transaction: false when another confirmation got it first. */
  async consume(manager: EntityManager, id: string): Promise<boolean> {
    const result = await manager.getRepository(PendingEnrollmentEntity).delete({ id });
    return (result.affected ?? 0) === 1;
  }

  async delete(id: string): Promise<void> {
    await this.pending.delete({ id });
  }

  /** Every pending enrollment of the user (admin reset). */
  async deleteForUser(userId: string): Promise<void> {
    await this.pending.delete({ userId });
  }
}
