import { Clock } from '@app/clock';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, Repository } from 'typeorm';
import { Role } from '../../common/auth/role';
import { DomainException } from '../../common/errors/domain.exception';
import { decodeCursor, encodeCursor, pageSize } from '../../common/pagination/cursor';
import { ClientInfo } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { SecurityEventType } from '../security-events/security-event-type';
import { EventBus } from '../events/event-bus';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';
import { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher.service';
import { passwordProblem } from './password-rules';
import { isDuplicateKey } from '../../database/insert-rows';

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  role?: Role | null;
}

export interface UserPage {
  items: UserEntity[];
  nextCursor: string | null;
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly passwords: PasswordHasher,
    private readonly config: AppConfig,
    private readonly events: EventBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Creates the first admin from BOOTSTRAP_ADMIN_* when no user has that email. */
  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin || (await this.findByEmail(admin.email))) return;
    try {
      // The password passed the same rules in loadConfig (a ConfigError there names BOOTSTRAP_ADMIN_PASSWORD).
      await this.create({ email: admin.email, password: admin.password, role: Role.ADMIN, displayName: 'Administrator' });
      this.logger.log(`Created the bootstrap admin ${normalizeEmail(admin.email)}`);
    } catch (error) {
      // Another instance created it first; any other refusal stops the start.
      if (!(error instanceof DomainException && (await this.findByEmail(admin.email)))) throw error;
    }
  }

  /** `createUser`: the new user, and USER_CREATED naming the admin. */
  async createByAdmin(input: NewUser, actorId: string, client: ClientInfo): Promise<UserEntity> {
    const user = await this.create(input);
    await this.events.publish({ type: SecurityEventType.USER_CREATED, userId: user.id, actorId, client, details: { role: user.role } });
    return user;
  }

  async create(input: NewUser): Promise<UserEntity> {
    assertAcceptablePassword(input.password, 'password', input.email);
    const email = normalizeEmail(input.email);
    // Lower-casing can lengthen a string ('İ' becomes two code units): checked on what is stored.
    if (email.length > EMAIL_MAX_LENGTH) throw DomainException.badInput('email', `email must have at most ${EMAIL_MAX_LENGTH} characters`);
    const now = this.clock.now();
    const user = this.users.create({
      id: randomUUID(),
      email,
      passwordHash: await this.passwords.hash(input.password),
      displayName: input.displayName?.trim() || null,
      role: input.role ?? Role.AGENT,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isDuplicateKey(error)) throw DomainException.badInput('email', 'A user with this email already exists.');
      throw error;
    }
    return user;
  }

  findById(id: string): Promise<UserEntity | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(null);
    return this.users.findOneBy({ id });
  }

  async getById(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw DomainException.notFound('No user with this id.');
    return user;
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  /** Newest first; `search` matches email or display name. */
  async list(first: number | null | undefined, after: string | null | undefined, search: string | null | undefined): Promise<UserPage> {
    const size = pageSize(first);
    const query = this.users.createQueryBuilder('u').orderBy('u.createdAt', 'DESC').addOrderBy('u.id', 'DESC').take(size + 1);
    if (after) {
      const [createdAt, id] = decodeCursor(after, 2);
      const at = new Date(createdAt);
      if (Number.isNaN(at.getTime())) throw DomainException.badInput('after', 'after is not a cursor this server gave out');
      query.andWhere(
        new Brackets((q) => q.where('u.createdAt < :at', { at }).orWhere('u.createdAt = :at AND u.id < :id', { at, id })),
      );
    }
    const term = search?.trim();
    if (term) {
      if (term.length > 100) throw DomainException.badInput('search', 'search must have at most 100 characters');
      const like = `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query.andWhere(new Brackets((q) => q.where('u.email LIKE :like', { like }).orWhere('LOWER(u.displayName) LIKE :like', { like })));
    }
    const rows = await query.getMany();
    const items = rows.slice(0, size);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > size && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  async verifyPassword(user: UserEntity | null, password: string): Promise<boolean> {
    return this.passwords.verify(user?.passwordHash ?? null, password);
  }

  /** Stores a new password (the caller confirmed the current one and ends other sessions). */
  async setPassword(userId: string, newPassword: string): Promise<void> {
    assertAcceptablePassword(newPassword, 'newPassword', (await this.getById(userId)).email);
    await this.users.update({ id: userId }, { passwordHash: await this.passwords.hash(newPassword), updatedAt: this.clock.now() });
  }
}

/** BAD_USER_INPUT naming `field` when the password may not be used (password-rules.ts). */
export function assertAcceptablePassword(password: string, field: string, email: string): void {
  const problem = passwordProblem(password, field, email);
  if (problem) throw DomainException.badInput(field, problem);
}
