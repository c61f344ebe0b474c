import { Logger, Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Public } from '../src/common/decorators/access.decorators';
import { startTestApp, TestApp } from './support/app';

@Resolver()
class BrokenResolver {
  private readonly logger = new Logger('Broken');

  @Query(() => String, { description: 'Test only: logs a line, then fails unexpectedly.' })
  @Public()
  async broken(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.logger.warn('about to fail');
    throw new Error('database exploded');
  }
}

@Module({ providers: [BrokenResolver] })
class BrokenModule {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** X-Request-Id: kept or made, answered, in every log line of the request and in an internal error. */
describe('request ids', () => {
  let t: TestApp;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, imports: [BrokenModule], logStream: { write: (line: string) => lines.push(JSON.parse(line)) } });
  });
  afterAll(async () => t?.close());

  const idOf = async (headers: Record<string, string>, path = '/health/live') => (await fetch(`${t.url}${path}`, { headers })).headers.get('x-request-id');

  it('keeps an acceptable X-Request-Id, takes the trace id of a traceparent, and makes one otherwise', async () => {
    expect(await idOf({ 'x-request-id': 'lb-7f3a:42/abc.def_1' })).toBe('lb-7f3a:42/abc.def_1');
    expect(await idOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(await idOf({ 'x-request-id': 'kept', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('kept');
    expect(await idOf({})).toMatch(UUID);
    // Too long, unsafe characters, an invalid or all-zero traceparent: replaced.
    for (const headers of <Array<Record<string, string>>>[
      { 'x-request-id': 'x'.repeat(129) },
      { 'x-request-id': 'a b' },
      { 'x-request-id': '<script>' },
      { 'x-request-id': 'a"b' },
      { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' },
      { traceparent: 'garbage' },
    ]) {
      expect(await idOf(headers), JSON.stringify(headers)).toMatch(UUID);
    }
    const first = await idOf({});
    expect(await idOf({})).not.toBe(first);
  });

  it('is in every log line of the request and in extensions.requestId of an INTERNAL_SERVER_ERROR', async () => {
    const response = await t.gql('{ broken }', {}, { headers: { 'x-request-id': 'support-ticket-1234' } });
    expect(response.headers.get('x-request-id')).toBe('support-ticket-1234');
    expect(response.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'support-ticket-1234' });
    expect(JSON.stringify(response.errors)).not.toMatch(/exploded/);

    const ours = lines.filter((line) => line.requestId === 'support-ticket-1234');
    // The resolver's own line (after an await), the error's (Nest's and ours), and the request line.
    expect(ours.map((line) => line.context)).toEqual(expect.arrayContaining(['Broken', 'GraphQL', 'HTTP']));
    expect(ours.find((line) => line.context === 'GraphQL')?.msg).toMatch(/database exploded/);
    // Lines of other requests and of no request do not carry it.
    expect(lines.filter((line) => line.context === 'Broken')).toHaveLength(1);
  });

  it('an expected error carries no request id', async () => {
    const response = await t.gql('mutation { signIn(input: { email: "nobody@example.com", password: "wrong-password-1" }) { stage } }');
    expect(response.errors![0].extensions).toEqual({ code: 'INVALID_CREDENTIALS' });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });
});
