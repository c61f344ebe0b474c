import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { Role } from '../../common/auth/role';
import { requestMemo } from '../../common/logging/request-id';
import { hydrate, JoinedRead, selectColumns } from '../../database/joined-read';
import { TwoFactorPolicyEntity } from './entities/two-factor-policy.entity';
import { DEFAULT_POLICY, TwoFactorPolicy, TwoFactorRequirement } from './policy.types';

const POLICY_ROW_ID = 1;
/** Before any admin change the policy reads as the defaults, dated at the epoch. */
const NEVER = new Date(0);

const MEMO_KEY = 'policy';

/**
 * The global 2FA policy. Read from the database once per request (one
 * primary-key lookup, or a column set of the statement that reads the
 * session), so a change made on one instance applies to the next request on
 * all of them: no cache to invalidate across instances.
 */
@Injectable()
export class PolicyService {
  constructor(@InjectRepository(TwoFactorPolicyEntity) private readonly policies: Repository<TwoFactorPolicyEntity>) {}

  /** The select lists built so far, by alias and prefix: the same few strings on every request. */
  private readonly selectLists = new Map<string, string>();

  async get(): Promise<TwoFactorPolicy> {
    const known = requestMemo()?.get(MEMO_KEY) as TwoFactorPolicy | (() => TwoFactorPolicy) | undefined;
    if (typeof known === 'function') return this.remember(known());
    return known ?? this.remember(toPolicy(await this.policies.findOneBy({ id: POLICY_ROW_ID })));
  }

  /**
   * The policy as part of another statement (the session lookup, the
   * sign-in read): whatever this request then asks of the policy is known.
   * `keep` remembers the row and reads it only if the request asks for the
   * policy (most authenticated requests never do).
   */
  joined(alias: string, prefix: string): JoinedRead<TwoFactorPolicy> & { keep(row: Record<string, unknown>): void } {
    const escape = (name: string) => this.policies.manager.connection.driver.escape(name);
    const listKey = `${alias}\n${prefix}`;
    let columns = this.selectLists.get(listKey);
    if (columns === undefined) this.selectLists.set(listKey, (columns = selectColumns(this.policies, alias, prefix)));
    const read = (row: Record<string, unknown>) => toPolicy(hydrate(this.policies, row, prefix));
    return {
      join: `${escape(this.policies.metadata.tableName)} ${alias} ON ${alias}.id = ${POLICY_ROW_ID}`,
      columns,
      read: (row) => this.remember(read(row)),
      keep: (row) => void requestMemo()?.set(MEMO_KEY, () => read(row)),
    };
  }

  private remember(policy: TwoFactorPolicy): TwoFactorPolicy {
    requestMemo()?.set(MEMO_KEY, policy);
    return policy;
  }

  /**
   * The policy, its row locked until the caller's transaction ends: what
   * follows from a change (which users the requirement covers) is applied
   * one change at a time, each from the policy as it then is.
   */
  async lockedInTransaction(manager: EntityManager): Promise<TwoFactorPolicy> {
    const query = manager.getRepository(TwoFactorPolicyEntity).createQueryBuilder('p').where('p.id = :id', { id: POLICY_ROW_ID });
    const type = manager.connection.options.type;
    if (type === 'mysql' || type === 'mariadb') query.setLock('pessimistic_write');
    return this.remember(toPolicy(await query.getOne()));
  }

  /** The roles the policy obliges to have a second factor ('all': every role, an integrator's too). */
  static requiredRoles(policy: Pick<TwoFactorPolicy, 'requirement'>): Role[] | 'all' {
    if (policy.requirement === TwoFactorRequirement.REQUIRED_FOR_ALL) return 'all';
    return Object.values(Role).filter((role) => PolicyService.requiresTwoFactor(policy, role));
  }

  /** Whether the policy obliges a user of this role to have a second factor. */
  static requiresTwoFactor(policy: Pick<TwoFactorPolicy, 'requirement'>, role: Role): boolean {
    switch (policy.requirement) {
      case TwoFactorRequirement.OPTIONAL:
        return false;
      case TwoFactorRequirement.REQUIRED_FOR_ADMINS:
        return role === Role.ADMIN;
      case TwoFactorRequirement.REQUIRED_FOR_ALL:
        return true;
      default: {
        const unreachable: never = policy.requirement;
        return unreachable;
      }
    }
  }

  /**
   * Stores `next` only if the stored policy is still `expected` (as get()
   * returned it): a compare-and-set on every column, so two admins saving
   * different fields at once cannot silently undo each other. False when
   * another change came first; read again and retry.
   */
  async replace(expected: TwoFactorPolicy, next: Omit<TwoFactorPolicy, 'updatedAt'>, updatedAt: Date): Promise<boolean> {
    const stored = await this.compareAndSet(expected, next, updatedAt);
    // What this request reads next: the new policy, or (another change came first) the database again.
    if (stored) this.remember({ ...next, updatedAt });
    else requestMemo()?.delete(MEMO_KEY);
    return stored;
  }

  private async compareAndSet(expected: TwoFactorPolicy, next: Omit<TwoFactorPolicy, 'updatedAt'>, updatedAt: Date): Promise<boolean> {
    const values = { ...next, allowedMethods: next.allowedMethods.join(','), updatedAt };
    if (expected.updatedAt.getTime() === NEVER.getTime()) {
      try {
        await this.policies.insert({ ...values, id: POLICY_ROW_ID });
        return true;
      } catch (error) {
        if (error instanceof QueryFailedError) return false; // another instance stored the first policy
        throw error;
      }
    }
    const { allowedMethods, ...rest } = expected;
    const result = await this.policies.update({ ...rest, id: POLICY_ROW_ID, allowedMethods: allowedMethods.join(',') }, values);
    return (result.affected ?? 0) > 0;
  }

  /** Stores a whole policy (the caller validated it). */
  async save(policy: Omit<TwoFactorPolicy, 'updatedAt'>, updatedAt: Date): Promise<TwoFactorPolicy> {
    await this.policies.save({ ...policy, id: POLICY_ROW_ID, allowedMethods: policy.allowedMethods.join(','), updatedAt });
    return this.remember({ ...policy, updatedAt });
  }
}

function toPolicy(row: TwoFactorPolicyEntity | null): TwoFactorPolicy {
  if (!row) return { ...DEFAULT_POLICY, allowedMethods: [...DEFAULT_POLICY.allowedMethods], updatedAt: NEVER };
  const { id: _id, allowedMethods, ...rest } = row;
  return { ...rest, allowedMethods: allowedMethods.split(',').filter(Boolean) };
}
