import { Clock } from '@app/clock';
import { INestApplication, Logger, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Server } from 'node:http';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { RolePermissions } from './common/auth/permissions';
import { applyHttpHardening } from './common/http/hardening';
import { createPinoLogger, PinoLoggerService } from './common/logging/pino-logger.service';
import { REQUEST_ID_HEADER, requestIdMiddleware } from './common/logging/request-id';
import { requestLoggingMiddleware } from './common/logging/request-logging';
import { AppConfig } from './config/app-config';
import type { Tracing } from './observability/tracing';
import { TwofoldModule } from './twofold.module';

export interface CreateAppOptions {
  clock?: Clock;
  schemaFile?: string | true;
  /** Extra modules, e.g. an integrator's second-factor method. */
  imports?: ModuleMetadata['imports'];
  /** An integrator's roles and what each may do. */
  rolePermissions?: RolePermissions;
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
    TwofoldModule.forRoot({
      config,
      clock: options.clock,
      schemaFile: options.schemaFile,
      imports: options.imports,
      rolePermissions: options.rolePermissions,
      tracing: options.tracing,
    }),
    // The JSON body parser is installed below, with its size limit and JSON errors. A failed start throws
    // (the caller logs it and exits) instead of aborting the process.
    { logger: pino ? new PinoLoggerService(pino) : false, bodyParser: false, abortOnError: false },
  );
  // A variable that is almost a known one (DATABSE_URL) was probably meant to be it.
  const configLogger = new Logger('Config');
  for (const warning of config.warnings) configLogger.warn(warning);
  configureTwofoldHttp(app, config, pino);
  // SIGTERM/SIGINT: stop accepting connections, let requests in flight finish
  // (Apollo's drain plugin), run the modules' shutdown hooks (mail worker,
  // Redis, database pool), then exit 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}

/**
 * The HTTP set-up Twofold expects around its GraphQL endpoint: proxies,
 * request ids, request logs, CORS, security headers and body limits, slow-client
 * timeouts, cookies (the trusted-device cookie). A host app that imports
 * TwofoldModule calls it on its own application (created with
 * `bodyParser: false`).
 */
export function configureTwofoldHttp(app: INestApplication, config: AppConfig, pino: PinoLogger | null = null): void {
  const express = app as NestExpressApplication;
  // req.ip honours X-Forwarded-For only through this many proxies.
  express.set('trust proxy', config.trustProxy);
  express.disable('x-powered-by');
  // X-Request-Id on every answer, and in every log line written for the request.
  app.use(requestIdMiddleware());
  if (pino) app.use(requestLoggingMiddleware(pino));
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: [REQUEST_ID_HEADER] });
  // Security headers, 100 KB JSON bodies (413 beyond), body errors as JSON.
  applyHttpHardening(express);
  // Slow clients (slowloris): headers within 15 s, the whole request within 30 s.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  app.use(cookieParser());
}
