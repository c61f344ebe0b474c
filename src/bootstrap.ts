import { Clock } from '@app/clock';
import { INestApplication, Logger, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Server } from 'node:http';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { applyHttpHardening } from './common/http/hardening';
import { createPinoLogger, PinoLoggerService } from './common/logging/pino-logger.service';
import { REQUEST_ID_HEADER, requestIdMiddleware } from './common/logging/request-id';
import { requestLoggingMiddleware } from './common/logging/request-logging';
import { AppConfig } from './config/app-config';
import type { Tracing } from './observability/tracing';

export interface CreateAppOptions {
  clock?: Clock;
  schemaFile?: string | true;
  imports?: ModuleMetadata['imports'];
  /** false to keep tests quiet. */
  logger?: false;
  /** Where the JSON log lines go instead of stdout (tests capture and search them). */
  logStream?: DestinationStream;
  /** Started by main.ts before this module was loaded (OTEL_EXPORTER_OTLP_ENDPOINT). */
  tracing?: Tracing;
}

/** Builds the application as main.ts, the tests and the bench run it. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  // Structured JSON logs (pino), secrets redacted: src/common/logging.
  const pino = options.logger === false ? null : createPinoLogger(config, options.logStream);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ config, clock: options.clock, schemaFile: options.schemaFile, imports: options.imports, tracing: options.tracing }),
    // The JSON body parser is installed below, with its size limit and JSON errors.
    { logger: pino ? new PinoLoggerService(pino) : false, bodyParser: false },
  );
  // req.ip honours X-Forwarded-For only through this many proxies.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // X-Request-Id on every answer, and in every log line written for the request.
  app.use(requestIdMiddleware());
  if (pino) app.use(requestLoggingMiddleware(pino));
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: [REQUEST_ID_HEADER] });
  // A variable that is almost a known one (DATABSE_URL) was probably meant to be it.
  const configLogger = new Logger('Config');
  for (const warning of config.warnings) configLogger.warn(warning);
  // Security headers, 100 KB JSON bodies (413 beyond), body errors as JSON.
  applyHttpHardening(app);
  // Slow clients (slowloris): headers within 15 s, the whole request within 30 s.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  app.use(cookieParser());
  // SIGTERM/SIGINT: stop accepting connections, let requests in flight finish
  // (Apollo's drain plugin), run the modules' shutdown hooks (mail worker,
  // Redis, database pool), then exit 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
