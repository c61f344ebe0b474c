import { addDays } from '@app/clock';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { EnrollmentGrace } from '../policy/enrollment-grace';
import { TwoFactorPolicy } from '../policy/policy.types';
import { UserEntity } from './entities/user.entity';

/** Reminder 1: the grace started; reminder 2: a day is left (a grace of a day or less gets only this one). */
export type ReminderStage = 1 | 2;

export interface DueReminder {
  user: Pick<UserEntity, 'id' | 'email' | 'twoFactorRequiredSince' | 'enrollmentRemindersSent'>;
  stage: ReminderStage;
  dueAt: Date;
}

/**
 * Which users without a method, within their enrollment grace, still owe a
 * reminder, and the mark that one was sent. Candidates are ranges of
 * IDX_users_enrollment_due (twoFactorEnabled, enrollmentRemindersSent,
 * twoFactorRequiredSince); the mark is a conditional UPDATE, so instances
 * running the job at once send each reminder once.
 */
@Injectable()
export class EnrollmentReminderStore {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  async due(policy: TwoFactorPolicy, now: Date, limit: number): Promise<DueReminder[]> {
    const coveredAfter = EnrollmentGrace.coveredAfter(policy, now);
    // Covered at or before this, the grace has a day or less left.
    const lastDayFrom = addDays(coveredAfter, 1);
    const rows = await this.users
      .createQueryBuilder('u')
      .select(['u.id', 'u.email', 'u.twoFactorRequiredSince', 'u.enrollmentRemindersSent'])
      .where('u.twoFactorEnabled = :no AND u.disabled = :no', { no: false })
      .andWhere('u.twoFactorRequiredSince > :coveredAfter', { coveredAfter })
      .andWhere('(u.enrollmentRemindersSent = 0 OR (u.enrollmentRemindersSent = 1 AND u.twoFactorRequiredSince <= :lastDayFrom))', { lastDayFrom })
      .limit(limit)
      .getMany();
    return rows.flatMap((user) => {
      const dueAt = EnrollmentGrace.dueAt(policy, user.twoFactorRequiredSince);
      if (!dueAt) return [];
      const stage: ReminderStage = user.twoFactorRequiredSince! <= lastDayFrom ? 2 : 1;
      return stage > user.enrollmentRemindersSent ? [{ user, stage, dueAt }] : [];
    });
  }

  /** Marks the reminder sent, in the caller's transaction; false when another instance (or a change of coverage) came first. */
  async claim(manager: EntityManager, reminder: DueReminder): Promise<boolean> {
    const { user, stage } = reminder;
    const result = await manager
      .getRepository(UserEntity)
      .createQueryBuilder()
      .update()
      .set({ enrollmentRemindersSent: stage })
      .where('id = :id AND enrollmentRemindersSent = :sent AND twoFactorRequiredSince = :since AND twoFactorEnabled = :no', {
        id: user.id,
        sent: user.enrollmentRemindersSent,
        since: user.twoFactorRequiredSince,
        no: false,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
