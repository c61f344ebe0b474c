import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { Role } from '../../common/auth/role';
import { DomainException } from '../../common/errors/domain.exception';
import { decodeCursor, encodeCursor, pageSize } from '../../common/pagination/cursor';
import { newestFirstKeys, olderThan, PageKey, rowsInOrder } from '../../database/newest-first';
import { UserEntity } from './entities/user.entity';

/** The admin's filters of `users`; absent or null: not filtered. */
export interface UserFilters {
  search?: string | null;
  role?: Role | null;
  twoFactorEnabled?: boolean | null;
  disabled?: boolean | null;
}

export interface UserPage {
  items: UserEntity[];
  nextCursor: string | null;
}

const SEARCH_MAX_LENGTH = 100;

/**
 * The admin's users page and its count, fast on a million users. Every
 * filter is an equality on IDX_users_filters (role, disabled,
 * twoFactorEnabled, createdAt, id): a filter not given is each of its values
 * (the roles that exist, false and true), so a page reads a few short ranges
 * in index order (newestFirstKeys) and the count counts ranges of that index
 * without reading a row (EXPLAIN: range, Using index; test/admin-indexes).
 * `search` (a substring of the email or display name) can use no index: it
 * reads rows, within the ranges the other filters leave.
 */
@Injectable()
export class UserDirectory {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  async page(filters: UserFilters, first: number | null | undefined, after: string | null | undefined): Promise<UserPage> {
    const size = pageSize(first);
    const cursor = after ? userCursor(after) : null;
    const ranges = await this.ranges(filters);
    const keys = await newestFirstKeys(
      this.users,
      ranges.map((range) => olderThan(range, cursor)),
      size + 1,
    );
    const items = await rowsInOrder(this.users, keys.slice(0, size));
    const last = items[items.length - 1];
    return { items, nextCursor: keys.length > size && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  /** How many users match, over all pages. */
  async count(filters: UserFilters): Promise<number> {
    const row = await (await this.countQuery(filters)).getRawOne<{ count: string | number }>();
    return Number(row?.count ?? 0);
  }

  /** The count's statement, a plain COUNT(*) (the index test EXPLAINs it). */
  async countQuery(filters: UserFilters): Promise<SelectQueryBuilder<UserEntity>> {
    const query = this.users.createQueryBuilder('row').select('COUNT(*)', 'count');
    if (!filtered(filters)) return withSearch(query, filters.search);
    const { roles, disabled, twoFactorEnabled } = await this.values(filters);
    query
      .where('row.role IN (:...roles)', { roles })
      .andWhere('row.disabled IN (:...disabled)', { disabled })
      .andWhere('row.twoFactorEnabled IN (:...twoFactorEnabled)', { twoFactorEnabled });
    return withSearch(query, filters.search);
  }

  /** The page's ranges (the index test EXPLAINs them). */
  async ranges(filters: UserFilters): Promise<Array<SelectQueryBuilder<UserEntity>>> {
    // No filter: one range of IDX_users_created.
    if (!filtered(filters)) return [withSearch(this.users.createQueryBuilder('row'), filters.search)];
    const { roles, disabled, twoFactorEnabled } = await this.values(filters);
    const ranges: Array<SelectQueryBuilder<UserEntity>> = [];
    for (const role of roles) {
      for (const d of disabled) {
        for (const t of twoFactorEnabled) {
          const range = this.users
            .createQueryBuilder('row')
            .where('row.role = :role AND row.disabled = :disabled AND row.twoFactorEnabled = :twoFactorEnabled', { role, disabled: d, twoFactorEnabled: t });
          ranges.push(withSearch(range, filters.search));
        }
      }
    }
    return ranges;
  }

  private async values(filters: UserFilters): Promise<{ roles: string[]; disabled: number[]; twoFactorEnabled: number[] }> {
    const both = [0, 1];
    return {
      roles: filters.role ? [filters.role] : await this.rolesInUse(),
      disabled: typeof filters.disabled === 'boolean' ? [Number(filters.disabled)] : both,
      twoFactorEnabled: typeof filters.twoFactorEnabled === 'boolean' ? [Number(filters.twoFactorEnabled)] : both,
    };
  }

  /** The roles users have (a loose scan of IDX_users_filters: one entry per role). */
  private async rolesInUse(): Promise<string[]> {
    const rows: Array<{ role: string }> = await this.users.createQueryBuilder('row').select('DISTINCT row.role', 'role').getRawMany();
    return rows.length > 0 ? rows.map((row) => row.role) : [Role.AGENT];
  }
}

function filtered(filters: UserFilters): boolean {
  return !!filters.role || typeof filters.disabled === 'boolean' || typeof filters.twoFactorEnabled === 'boolean';
}

function withSearch(query: SelectQueryBuilder<UserEntity>, search: string | null | undefined): SelectQueryBuilder<UserEntity> {
  const term = search?.trim();
  if (!term) return query;
  if (term.length > SEARCH_MAX_LENGTH) throw DomainException.badInput('search', `search must have at most ${SEARCH_MAX_LENGTH} characters`);
  const like = `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return query.andWhere(new Brackets((q) => q.where('row.email LIKE :like', { like }).orWhere('LOWER(row.displayName) LIKE :like', { like })));
}

function userCursor(after: string): PageKey {
  const [createdAt, id] = decodeCursor(after, 2);
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime())) throw DomainException.badInput('after', 'after is not a cursor this server gave out');
  return { createdAt: at, id };
}
