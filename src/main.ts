// Start-up order matters: OpenTelemetry instruments CommonJS modules (http,
// mysql2) by hooking `require`, so it must be started before they are first
// required. Hence only the configuration (Node built-ins only) is imported
// here at the top; tracing, when configured, starts next; the application
// (Nest, Express, TypeORM, the driver) is loaded after that.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import type { WorkerReady } from './cluster/cluster-messages';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

// Let the V8 heap grow 50 % over the live data between full collections
// instead of up to 4×: under load resident memory stays near 180 MB instead
// of 270 MB at the same throughput (docs/performance.md).
setFlagsFromString('--heap-growing-percent=50');

/** `node dist/src/main.js --migrate` and the other operator commands (src/cli); --emit-schema is the build's. */
function isCommandLine(args: readonly string[]): boolean {
  return args.length > 0 && args[0].startsWith('--') && args[0] !== '--emit-schema';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const emitSchemaOnly = args.includes('--emit-schema');
  let config: AppConfig;
  try {
    // The one place the environment is read.
    config = emitSchemaOnly ? loadConfig({ APP_NAME: process.env.APP_NAME }, { schemaOnly: true }) : loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // A command answers in one line.
      console.error(isCommandLine(args) ? `Invalid configuration: ${error.problems.join('; ')}` : error.message);
      process.exit(1);
    }
    throw error;
  }

  if (emitSchemaOnly) {
    // Boots against an in-memory database just far enough to write schema.gql.
    await import('reflect-metadata');
    const { createApp } = await import('./bootstrap');
    const app = await createApp(config, { schemaFile: 'schema.gql' });
    await app.init();
    await app.close();
    console.log('schema.gql written');
    return;
  }

  if (isCommandLine(args)) {
    // An operator command (--migrate, --reseal, --unlock EMAIL, …): src/cli.
    await import('reflect-metadata');
    const { runCommandLine } = await import('./cli/command-line');
    process.exit(await runCommandLine(args, config));
  }

  if (config.workers > 1 && cluster.isPrimary) {
    // WORKERS: this process only forks and watches the servers (src/cluster), which run the code below.
    const { createPinoLogger } = await import('./common/logging/pino-logger.service');
    const { runClusterPrimary } = await import('./cluster/cluster-primary');
    await runClusterPrimary(config, createPinoLogger(config).child({ context: 'Cluster' }));
    return;
  }

  // Before anything it instruments is loaded; nothing of OpenTelemetry is loaded without it.
  const tracing = config.otlpEndpoint ? (await import('./observability/tracing')).startTracing(config.otlpEndpoint) : undefined;
  await import('reflect-metadata');
  const { Logger } = await import('@nestjs/common');
  const { createApp } = await import('./bootstrap');
  const app = await createApp(config, { tracing });
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const logger = new Logger('Twofold');
  logger.log(`Listening on http://${config.host}:${port}/graphql (${config.production ? 'production' : 'development'})`);
  if (tracing) logger.log(`Traces go to ${config.otlpEndpoint}/v1/traces`);
  if (config.database.kind === 'sqlite') logger.warn(`Development database: ${config.database.file} (embedded SQLite)`);
  // A cluster worker tells the primary that it started (one that fails before this stops the cluster).
  if (cluster.isWorker) process.send?.({ type: 'twofold:ready' } satisfies WorkerReady);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
