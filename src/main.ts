import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { isCommandLine, runCommandLine } from './cli/command-line';
import { ConfigError, loadConfig } from './config/app-config';

// Let the V8 heap grow 50 % over the live data between full collections
// instead of up to 4×: under load resident memory stays near 180 MB instead
// of 270 MB at the same throughput (docs/performance.md).
setFlagsFromString('--heap-growing-percent=50');

async function main(): Promise<void> {
  const emitSchemaOnly = process.argv.includes('--emit-schema');
  let config;
  try {
    // The one place the environment is read.
    config = emitSchemaOnly ? loadConfig({ APP_NAME: process.env.APP_NAME }, { schemaOnly: true }) : loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // A command answers in one line.
      console.error(isCommandLine(process.argv.slice(2)) ? `Invalid configuration: ${error.problems.join('; ')}` : error.message);
      process.exit(1);
    }
    throw error;
  }

  if (emitSchemaOnly) {
    // Boots against an in-memory database just far enough to write schema.gql.
    const app = await createApp(config, { schemaFile: 'schema.gql' });
    await app.init();
    await app.close();
    console.log('schema.gql written');
    return;
  }

  const args = process.argv.slice(2);
  if (isCommandLine(args)) {
    // An operator command (--migrate, --reseal, --unlock EMAIL, …): src/cli.
    process.exit(await runCommandLine(args, config));
  }

  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Twofold');
  logger.log(`Listening on http://${config.host}:${config.port}/graphql (${config.production ? 'production' : 'development'})`);
  if (config.database.kind === 'sqlite') logger.warn(`Development database: ${config.database.file} (embedded SQLite)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
