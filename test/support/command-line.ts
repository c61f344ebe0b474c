import { Clock } from '@app/clock';
import { runCommandLine } from '../../src/cli/command-line';
import { loadConfig } from '../../src/config/app-config';
import { TEST_APP_SECRET } from './app';
import { TestDatabase } from './database';

export interface CommandResult {
  status: number;
  out: string[];
  err: string[];
}

/** Runs an operator command in-process, as `node dist/src/main.js <args>` would, on the test database. */
export async function runCommand(database: TestDatabase, args: string[], env: Record<string, string> = {}, clock?: Clock): Promise<CommandResult> {
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: TEST_APP_SECRET,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'error',
    RETENTION_INTERVAL_MINUTES: '0',
    ...env,
  });
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCommandLine(args, config, { clock, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { status, out, err };
}
