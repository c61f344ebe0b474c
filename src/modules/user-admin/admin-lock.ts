import { EntityManager } from 'typeorm';
import { Role } from '../../common/auth/role';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { UserEntity } from '../users/entities/user.entity';

/** What an admin change sees, with every row it depends on locked until its transaction ends. */
export interface LockedForAdminChange {
  target: UserEntity;
  /** The enabled ADMINs, target included when it is one. */
  enabledAdmins: string[];
}

/** Who acts: their id, and whether their role (as it is once locked) may make the change. */
export interface AdminActor {
  id: string;
  mayAct(role: string): boolean;
}

/**
 * Locks, in one order for every admin change (so two of them wait for each
 * other instead of deadlocking): the enabled ADMINs (a range of
 * IDX_users_filters), then the actor and the target by primary key. Two
 * admins disabling or demoting each other at once are thus serialized: the
 * second sees what the first did, and finds itself disabled (UNAUTHENTICATED),
 * demoted (FORBIDDEN) or the last enabled ADMIN in the way (BAD_USER_INPUT).
 * `actor` null: the operator's command line. NOT_FOUND for an unknown target.
 */
export async function lockForAdminChange(manager: EntityManager, targetId: string, actor: AdminActor | null): Promise<LockedForAdminChange> {
  const actorId = actor?.id ?? null;
  const users = manager.getRepository(UserEntity);
  const type = manager.connection.options.type;
  // The embedded SQLite runs one transaction at a time and has no row locks.
  const forUpdate = <T extends { setLock(mode: 'pessimistic_write'): T }>(query: T): T =>
    type === 'mysql' || type === 'mariadb' ? query.setLock('pessimistic_write') : query;

  const admins = await forUpdate(
    users.createQueryBuilder('u').select('u.id', 'id').where('u.role = :admin AND u.disabled = :no', { admin: Role.ADMIN, no: false }).orderBy('u.id'),
  ).getRawMany<{ id: string }>();
  const ids = actorId ? [actorId, targetId] : [targetId];
  const rows = await forUpdate(users.createQueryBuilder('u').where('u.id IN (:...ids)', { ids }).orderBy('u.id')).getMany();

  if (actor) {
    const row = rows.find((r) => r.id === actor.id);
    // Disabled (or gone) while this request waited for the locks: its session ended with it.
    if (!row || row.disabled) throw new DomainException(ErrorCode.UNAUTHENTICATED);
    if (!actor.mayAct(row.role)) throw new DomainException(ErrorCode.FORBIDDEN);
  }
  const target = rows.find((row) => row.id === targetId);
  if (!target) throw DomainException.notFound('No user with this id.');
  return { target, enabledAdmins: admins.map((row) => row.id) };
}

/** BAD_USER_INPUT when taking `target` out of the enabled ADMINs would leave none. */
export function assertNotLastEnabledAdmin(locked: LockedForAdminChange, field: string, what: string): void {
  const { target, enabledAdmins } = locked;
  const isEnabledAdmin = enabledAdmins.includes(target.id);
  if (isEnabledAdmin && enabledAdmins.length <= 1) {
    throw DomainException.badInput(field, `${what} would leave no enabled ADMIN: make another user an admin first.`);
  }
}
