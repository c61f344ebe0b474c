import { Clock } from '@app/clock';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, runMigrationsLocked } from '../database/data-source-options';
import { AccountUnlock } from '../modules/attempts/account-unlock.service';
import { TwoFactorResetService } from '../modules/policy/two-factor-reset.service';
import { SecretsService } from '../modules/secrets/secrets.service';
import { UserAdminService } from '../modules/user-admin/user-admin.service';
import { UserEntity } from '../modules/users/entities/user.entity';
import { UsersService } from '../modules/users/users.service';
import { TwofoldModule } from '../twofold.module';
import { formatResealReport, stillDependent } from './reseal-report';

/**
 * The operator commands (contract README, "Command line"):
 * `node dist/src/main.js <command> [EMAIL]` with the server's environment
 * runs one command against the database and exits: 0, or non-zero with a
 * one-line reason on stderr. Each command that changes something records a
 * security event with no actor. They run on a Nest application context of
 * the same modules as the server (TwofoldModule.commandLine): no HTTP listener,
 * no mail worker, no retention timer.
 */

/** A command's expected failure: its message is the one-line reason. */
export class CommandFailed extends Error {}

export interface CommandIo {
  /** stdout, one line at a time. */
  out(line: string): void;
  /** stderr: the one-line reason of a failure. */
  err(line: string): void;
}

interface CommandContext extends CommandIo {
  /** The application (commands with `application: true`). */
  app: INestApplicationContext;
  config: AppConfig;
}

interface Command {
  /** The argument it takes, for the usage line. */
  argument?: 'EMAIL';
  summary: string;
  /** false: needs only the database connection (migrations must run before the application can start). */
  application: boolean;
  run(context: CommandContext, argument: string | undefined): Promise<void>;
}

/** Every command. Adding one is one entry here. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  '--migrate': { summary: 'applies the migrations', application: false, run: migrate },
  '--reseal': {
    summary: 're-encrypts every sealed secret under the current APP_SECRET and says what still depends on APP_SECRET_PREVIOUS',
    application: true,
    run: reseal,
  },
  '--unlock': { argument: 'EMAIL', summary: 'ends a lockout and clears the failed attempts', application: true, run: unlock },
  '--reset-2fa': {
    argument: 'EMAIL',
    summary: "turns off the user's methods, backup codes and trusted devices and ends their sessions",
    application: true,
    run: resetTwoFactor,
  },
  '--enable': { argument: 'EMAIL', summary: 're-enables a disabled user', application: true, run: enable },
};

/** Whether the arguments ask for a command (anything starting with `--`) rather than the server. */
export function isCommandLine(args: readonly string[]): boolean {
  return args.length > 0 && args[0].startsWith('--');
}

export interface RunOptions {
  /** Tests move time. */
  clock?: Clock;
  io?: CommandIo;
}

/** Runs the command `args` names; answers the exit status. Never throws. */
export async function runCommandLine(args: readonly string[], config: AppConfig, options: RunOptions = {}): Promise<number> {
  const io = options.io ?? { out: (line) => console.log(line), err: (line) => console.error(line) };
  const [name, argument, ...extra] = args;
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command ${name}; the commands are ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  const usage = `${name}${command.argument ? ` ${command.argument}` : ''}`;
  if ((command.argument && !argument?.trim()) || (!command.argument && argument !== undefined) || extra.length > 0) {
    io.err(`Usage: node dist/src/main.js ${usage} (${command.summary})`);
    return 2;
  }
  let app: INestApplicationContext | null = null;
  try {
    if (command.application) {
      // No mail worker or retention timer: the command does its one thing and the process exits.
      app = await NestFactory.createApplicationContext(TwofoldModule.commandLine({ config: config.withoutBackgroundJobs(), clock: options.clock }), {
        logger: false,
        abortOnError: false,
      });
    }
    await command.run({ ...io, app: app!, config }, argument?.trim());
    return 0;
  } catch (error) {
    io.err(`${name}: ${oneLine(error)}`);
    return 1;
  } finally {
    await app?.close().catch(() => undefined);
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').map((part) => part.trim()).filter(Boolean).join('; ') || 'failed';
}

async function userByEmail(context: CommandContext, email: string): Promise<UserEntity> {
  const user = await context.app.get(UsersService, { strict: false }).findByEmail(email);
  if (!user) throw new CommandFailed(`no user has the email ${email}`);
  return user;
}

async function migrate(context: CommandContext): Promise<void> {
  const { config } = context;
  if (config.database.kind !== 'mysql') throw new CommandFailed('needs DATABASE_URL (the embedded SQLite needs no migrations)');
  const dataSource = new DataSource({ ...dataSourceOptions(config), migrationsRun: false } as DataSourceOptions);
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
  context.out('migrations applied');
}

async function unlock(context: CommandContext, email: string | undefined): Promise<void> {
  const user = await userByEmail(context, email!);
  const { wasLockedUntil } = await context.app.get(AccountUnlock, { strict: false }).unlock(user.id, null, null);
  context.out(
    `${user.email}: ${wasLockedUntil ? `lockout (until ${wasLockedUntil.toISOString()}) ended` : 'not locked out'}, failed attempts cleared`,
  );
}

async function enable(context: CommandContext, email: string | undefined): Promise<void> {
  const user = await userByEmail(context, email!);
  const wasDisabled = user.disabled;
  await context.app.get(UserAdminService, { strict: false }).enable(user.id, null, null);
  context.out(`${user.email}: ${wasDisabled ? 'enabled: they can sign in again' : 'was not disabled'}`);
}

async function resetTwoFactor(context: CommandContext, email: string | undefined): Promise<void> {
  const user = await userByEmail(context, email!);
  await context.app.get(TwoFactorResetService, { strict: false }).reset(user.id, null, null);
  context.out(`${user.email}: two-factor authentication reset (methods, backup codes and trusted devices gone, sessions ended)`);
}

async function reseal(context: CommandContext): Promise<void> {
  const report = await context.app.get(SecretsService, { strict: false }).reseal();
  for (const line of formatResealReport(report, context.config.previousAppSecrets.length > 0)) context.out(line);
  const left = stillDependent(report);
  if (left > 0) throw new CommandFailed(`${left} sealed value(s) still depend on an earlier APP_SECRET (listed above)`);
}
