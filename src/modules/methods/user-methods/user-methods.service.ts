import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { UserEntity } from '../../users/entities/user.entity';
import { JoinedRead } from '../../../database/joined-read';
import { inTransaction } from '../../../database/transactions';
import { UserMethodEntity } from './user-method.entity';

export interface EnabledMethod {
  method: string;
  enabledAt: Date;
  preferred: boolean;
}

/**
 * Which primary methods each user has turned on, and the preferred one.
 * Handlers answer isEnabled() from here; enrollment writes it (inside the
 * transaction that stores the method's own state); the challenge reads it
 * through TwoFactorStatusService or the handlers.
 */
@Injectable()
export class UserMethodsService {
  constructor(
    @InjectRepository(UserMethodEntity) private readonly methods: Repository<UserMethodEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async isEnabled(userId: string, method: string): Promise<boolean> {
    return (await this.methods.countBy({ userId, method })) > 0;
  }

  /**
   * The user's methods (without their dates) as part of another statement
   * (the sign-in read): two small sub-queries on the primary key.
   */
  joined(prefix: string, userIdColumn: string): JoinedRead<Array<Pick<EnabledMethod, 'method' | 'preferred'>>> {
    const table = this.methods.manager.connection.driver.escape(this.methods.metadata.tableName);
    return {
      columns:
        `(SELECT GROUP_CONCAT(m.method) FROM ${table} m WHERE m.userId = ${userIdColumn}) AS ${prefix}list, ` +
        `(SELECT m.method FROM ${table} m WHERE m.userId = ${userIdColumn} AND m.preferred = 1 LIMIT 1) AS ${prefix}preferred`,
      read: (row) => {
        const list = typeof row[`${prefix}list`] === 'string' ? (row[`${prefix}list`] as string).split(',').filter(Boolean) : [];
        return list.map((method) => ({ method, preferred: method === row[`${prefix}preferred`] }));
      },
    };
  }

  /** The user's methods, oldest first. */
  async list(userId: string, manager?: EntityManager): Promise<EnabledMethod[]> {
    const repo = manager ? manager.getRepository(UserMethodEntity) : this.methods;
    const rows = await repo.find({ where: { userId }, order: { enabledAt: 'ASC', method: 'ASC' } });
    return rows.map((r) => ({ method: r.method, enabledAt: r.enabledAt, preferred: r.preferred === 1 }));
  }

  /**
   * Serialises changes to one user's methods: holds the user's row lock until
   * the transaction ends, so "is this the first / last method?" cannot race.
   * (The embedded SQLite runs one transaction at a time anyway.)
   */
  async lockUser(manager: EntityManager, userId: string): Promise<void> {
    const type = manager.connection.options.type;
    if (type !== 'mysql' && type !== 'mariadb') return;
    await manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .select('u.id')
      .where('u.id = :userId', { userId })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Adds a method inside the caller's transaction (after lockUser); preferred when it is the first. */
  async add(manager: EntityManager, userId: string, method: string, now: Date): Promise<void> {
    const repo = manager.getRepository(UserMethodEntity);
    const hasPreferred = (await repo.countBy({ userId, preferred: 1 })) > 0;
    await repo.insert({ userId, method, enabledAt: now, preferred: hasPreferred ? 0 : 1 });
    await this.syncEnabledFlag(manager, userId);
  }

  /**
   * Removes a method; when it was the preferred one, the oldest remaining
   * method becomes preferred. Idempotent.
   */
  async remove(userId: string, method: string, manager?: EntityManager): Promise<void> {
    const run = async (m: EntityManager) => {
      const repo = m.getRepository(UserMethodEntity);
      await repo.delete({ userId, method });
      if ((await repo.countBy({ userId, preferred: 1 })) > 0) return this.syncEnabledFlag(m, userId);
      const next = await repo.findOne({ where: { userId }, order: { enabledAt: 'ASC', method: 'ASC' } });
      if (next) await repo.update({ userId, method: next.method }, { preferred: 1 });
      await this.syncEnabledFlag(m, userId);
    };
    if (manager) return run(manager);
    await inTransaction(this.dataSource, async (m) => {
      await this.lockUser(m, userId);
      await run(m);
    });
  }

  /** Makes `method` the preferred one. False when the user has not enabled it. */
  async setPreferred(userId: string, method: string): Promise<boolean> {
    return inTransaction(this.dataSource, async (m) => {
      await this.lockUser(m, userId);
      const repo = m.getRepository(UserMethodEntity);
      if ((await repo.countBy({ userId, method })) === 0) return false;
      await repo
        .createQueryBuilder()
        .update()
        .set({ preferred: () => 'CASE WHEN method = :method THEN 1 ELSE 0 END' })
        .where('userId = :userId', { userId })
        .setParameter('method', method)
        .execute();
      return true;
    });
  }

  /** Forgets every method of the user (admin reset). */
  async removeAll(userId: string): Promise<void> {
    await inTransaction(this.dataSource, async (m) => {
      await this.lockUser(m, userId);
      await m.getRepository(UserMethodEntity).delete({ userId });
      await this.syncEnabledFlag(m, userId);
    });
  }

  /**
   * users.twoFactorEnabled (the admin's filter and its indexed count) says
   * whether the user has any row here: recomputed from the rows in the
   * transaction that changed them, so it cannot drift from them.
   */
  private async syncEnabledFlag(manager: EntityManager, userId: string): Promise<void> {
    const methods = manager.connection.getMetadata(UserMethodEntity).tableName;
    await manager
      .getRepository(UserEntity)
      .createQueryBuilder()
      .update()
      .set({ twoFactorEnabled: () => `CASE WHEN EXISTS (SELECT 1 FROM ${methods} m WHERE m.userId = :userId) THEN 1 ELSE 0 END` })
      .where('id = :userId', { userId })
      .execute();
  }
}
