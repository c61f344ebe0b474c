import { Logger } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/app-config';
import { createPinoLogger, PinoLoggerService } from './pino-logger.service';

function capture(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: level }, { schemaOnly: true });
  const service = new PinoLoggerService(createPinoLogger(config, { write: (line: string) => lines.push(JSON.parse(line)) }));
  return { lines, service };
}

describe('PinoLoggerService', () => {
  it('writes one JSON line per call with level, context and message', () => {
    const { lines, service } = capture();
    service.log('hello', 'Mail');
    service.warn('careful', 'Policy');
    service.error('broke', 'Error: broke\n    at x', 'GraphQL');
    expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([
      ['info', 'Mail', 'hello'],
      ['warn', 'Policy', 'careful'],
      ['error', 'GraphQL', 'broke'],
    ]);
    expect(lines[2].stack).toContain('at x');
    expect(typeof lines[0].time).toBe('string');
  });

  it('scrubs messages and sanitizes objects', () => {
    const { lines, service } = capture();
    service.log('using smtp://u:hunter2@mail:25', 'Mail');
    service.log({ event: 'x', password: 'hunter2', nested: { token: 'abc' } }, 'Auth');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('"abc"');
    expect(lines[1]).toMatchObject({ event: 'x', password: '[REDACTED]', context: 'Auth' });
  });

  it('honours the level and quiets Nest start-up chatter', () => {
    const { lines, service } = capture('info');
    service.debug('not shown', 'X');
    service.log('Mapped {/health, GET} route', 'RouterExplorer');
    service.log('shown', 'X');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('serves Nest Logger instances', () => {
    const { lines, service } = capture();
    Logger.overrideLogger(service);
    try {
      new Logger('Thing').log('through Nest');
    } finally {
      Logger.overrideLogger(false);
      Logger.overrideLogger(['log', 'error', 'warn']);
    }
    expect(lines.at(-1)).toMatchObject({ context: 'Thing', msg: 'through Nest' });
  });
});
