import { Clock } from '@app/clock';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Role } from '../../common/auth/role';
import { DomainException } from '../../common/errors/domain.exception';
import { ClientInfo } from '../../common/http/request-context';
import { AppConfig } from '../../config/app-config';
import { SecurityEventType } from '../security-events/security-event-type';
import { hydrate, JoinedRead, selectColumns } from '../../database/joined-read';
import { EventBus } from '../events/event-bus';
import { EMAIL_MAX_LENGTH, normalizeEmail } from './email';
import { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher.service';
import { passwordProblem } from './password-rules';
import { isDuplicateKey } from '../../database/insert-rows';
import { PolicyService } from '../policy/policy.service';

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  role?: Role | null;
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
    private readonly policies: PolicyService,
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
    const role = input.role ?? Role.AGENT;
    const user = this.users.create({
      id: randomUUID(),
      email,
      passwordHash: await this.passwords.hash(input.password),
      displayName: input.displayName?.trim() || null,
      role,
      createdAt: now,
      updatedAt: now,
      disabled: false,
      lastSignInAt: null,
      twoFactorEnabled: false,
      // Created under a requirement that covers them: their enrollment grace starts now.
      twoFactorRequiredSince: PolicyService.requiresTwoFactor(await this.policies.get(), role) ? now : null,
      enrollmentRemindersSent: 0,
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

  /**
   * The user with this email and, in the same statement, what other modules
   * join to it (the user's id column is `u.id`): one round trip at sign-in.
   * The caller reads each part back from `row`.
   */
  async findByEmailWith(email: string, parts: Array<JoinedRead<unknown>>): Promise<{ user: UserEntity; row: Record<string, unknown> } | null> {
    const table = this.users.manager.connection.driver.escape(this.users.metadata.tableName);
    const columns = [selectColumns(this.users, 'u', 'user_'), ...parts.map((part) => part.columns)].join(', ');
    const joins = parts.flatMap((part) => (part.join ? [`LEFT JOIN ${part.join}`] : [])).join(' ');
    const rows: Array<Record<string, unknown>> = await this.users.query(`SELECT ${columns} FROM ${table} u ${joins} WHERE u.email = ?`, [normalizeEmail(email)]);
    const user = rows[0] ? hydrate(this.users, rows[0], 'user_') : null;
    return user ? { user, row: rows[0] } : null;
  }

  async verifyPassword(user: UserEntity | null, password: string): Promise<boolean> {
    return this.passwords.verify(user?.passwordHash ?? null, password);
  }

  /**
   * Keeps users.twoFactorRequiredSince true to the policy: the users whom the
   * requirement covers (`coveredRoles`, or 'all' roles) and who were not
   * covered are covered from `now` (their grace starts, reminders to send);
   * the others are covered no more. Set-based: two UPDATEs however many
   * users. In the caller's transaction (which holds the policy row).
   */
  async syncRequirementCoverage(manager: EntityManager, coveredRoles: string[] | 'all', now: Date): Promise<void> {
    const update = () => manager.getRepository(UserEntity).createQueryBuilder().update();
    if (coveredRoles === 'all' || coveredRoles.length > 0) {
      const cover = update()
        .set({ twoFactorRequiredSince: now, enrollmentRemindersSent: 0 })
        .where('twoFactorRequiredSince IS NULL');
      if (coveredRoles !== 'all') cover.andWhere('role IN (:...coveredRoles)', { coveredRoles });
      await cover.execute();
    }
    if (coveredRoles !== 'all') {
      const uncover = update()
        .set({ twoFactorRequiredSince: null, enrollmentRemindersSent: 0 })
        .where('twoFactorRequiredSince IS NOT NULL');
      if (coveredRoles.length > 0) uncover.andWhere('role NOT IN (:...coveredRoles)', { coveredRoles });
      await uncover.execute();
    }
  }

  /** The user reached AUTHENTICATED (User.lastSignInAt). */
  async recordSignIn(userId: string, at: Date): Promise<void> {
    await this.users.update({ id: userId }, { lastSignInAt: at });
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
