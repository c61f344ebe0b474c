import { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { AppConfig } from '../../config/app-config';
import { sanitize, scrubText } from './redact';
import { logContext } from './request-id';

/** Nest's levels onto pino's. */
const LEVELS: Record<NestLogLevel, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Nest's start-up chatter (one line per module and route): debug, not info. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/**
 * The process's pino logger: JSON lines on stdout (or `destination`, which
 * tests use to capture the log). In development the lines are printed
 * readably instead. Every line passes through `sanitize`/`scrubText`.
 */
export function createPinoLogger(config: AppConfig, destination?: DestinationStream): Pino {
  // Production: asynchronous writes (the syscall runs off the event loop, lines queued meanwhile are
  // written together); pino flushes what is left when the process exits.
  const stream = destination ?? (config.production ? pino.destination({ dest: 1, sync: false }) : readableStream());
  return pino(
    {
      level: config.logLevel,
      base: { service: 'twofold', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // requestId (and traceId/spanId with tracing) of the request being served.
      mixin: logContext,
      // A last net for objects logged with pino directly.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.token', '*.code', '*.secret'],
        censor: '[REDACTED]',
      },
    },
    stream,
  );
}

/** Development: "12:00:00 INFO  [Context] message {extra}" on stdout. */
function readableStream(): DestinationStream {
  return {
    write(line: string) {
      try {
        const { time, level, context, msg, service: _s, pid: _p, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const clock = typeof time === 'string' ? time.slice(11, 19) : '';
        const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
        process.stdout.write(`${clock} ${String(level).toUpperCase().padEnd(5)} ${context ? `[${context}] ` : ''}${msg ?? ''}${extra}\n`);
      } catch {
        process.stdout.write(line);
      }
    },
  };
}

/**
 * Nest's LoggerService on pino: Nest and every `new Logger(context)` in the
 * code write through it. Messages are scrubbed; objects sanitized.
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  setLogLevels(levels: NestLogLevel[]): void {
    const order: NestLogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
    const lowest = order.find((level) => levels.includes(level));
    if (lowest) this.pino.level = LEVELS[lowest];
  }

  private write(level: NestLogLevel, message: unknown, params: unknown[]): void {
    // Nest passes (message, context) or, for errors, (message, stack, context).
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const target = level === 'log' && context && CHATTY_CONTEXTS.has(context) ? 'debug' : LEVELS[level];
    if (!this.pino.isLevelEnabled(target)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    for (const extra of rest) {
      if (extra === undefined) continue;
      if (typeof extra === 'string') fields.stack = scrubText(extra);
      else if (extra instanceof Error) fields.err = sanitize(extra);
      else Object.assign(fields, { detail: sanitize(extra) });
    }
    if (message instanceof Error) {
      fields.err = sanitize(message);
      this.pino[target](fields, scrubText(message.message));
    } else if (typeof message === 'object' && message !== null) {
      this.pino[target]({ ...fields, ...(sanitize(message) as object) });
    } else {
      this.pino[target](fields, scrubText(String(message)));
    }
  }
}
