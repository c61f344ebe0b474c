import { Clock } from '@app/clock';
import { INestApplication, LogLevel as NestLogLevel, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { AppModule } from './app.module';
import { AppConfig, LogLevel } from './config/app-config';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

export interface CreateAppOptions {
  clock?: Clock;
  schemaFile?: string | true;
  imports?: ModuleMetadata['imports'];
  /** false to keep tests quiet. */
  logger?: false;
}

/** Builds the application as main.ts, the tests and the bench run it. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ config, clock: options.clock, schemaFile: options.schemaFile, imports: options.imports }),
    { logger: options.logger === false ? false : NEST_LEVELS[config.logLevel], bodyParser: true },
  );
  // req.ip honours X-Forwarded-For only through this many proxies.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(cookieParser());
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true });
  app.enableShutdownHooks();
  return app;
}
