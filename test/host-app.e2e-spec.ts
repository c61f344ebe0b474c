import 'reflect-metadata';
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AllowStages,
  configureTwofoldHttp,
  CurrentPrincipal,
  DEFAULT_ROLE_PERMISSIONS,
  loadConfig,
  ManualClock,
  Permission,
  type Principal,
  Role,
  SessionStage,
  TwofoldModule,
} from '../src';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TEST_APP_SECRET } from './support/app';
import { createTestDatabase, TestDatabase } from './support/database';
import { FakeSmsGateway, SmsGateway } from '../examples/sms/sms-gateway';
import { SmsModule } from '../examples/sms/sms.module';

/** The host's own REST API, beside Twofold's GraphQL. */
@Controller('hello')
class HelloController {
  @Get()
  hello() {
    return { hello: 'world' };
  }

  /** A host route that asks for a Twofold session with the same decorators resolvers use. */
  @Get('me')
  @AllowStages(SessionStage.AUTHENTICATED)
  me(@CurrentPrincipal() principal: Principal) {
    return { email: principal.email };
  }
}

/**
 * Twofold embedded in a host Nest application (issue 11): the host's REST
 * controller, Twofold's GraphQL, an extra method (examples/sms), and the
 * host's own role map, all in one app built only from the public barrel.
 */
describe('Twofold inside a host Nest app', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let url: string;
  const smsGateway = FakeSmsGateway;

  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
  };

  beforeAll(async () => {
    database = await createTestDatabase('twofold_host');
    const config = loadConfig({
      NODE_ENV: 'test',
      APP_SECRET: TEST_APP_SECRET,
      DATABASE_URL: database.url,
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      RETENTION_INTERVAL_MINUTES: '0',
      RATE_LIMITS: 'off',
    });
    @Module({
      imports: [
        TwofoldModule.forRoot({
          config,
          clock: new ManualClock(Date.now()),
          schemaFile: true,
          imports: [SmsModule.register({ gateway: smsGateway })],
          // The host's own roles: agents may read the user list here.
          rolePermissions: { ...DEFAULT_ROLE_PERMISSIONS, [Role.AGENT]: [Permission.USERS_READ] },
        }),
      ],
      controllers: [HelloController],
    })
    class HostModule {}
    app = await NestFactory.create(HostModule, { logger: false, bodyParser: false });
    configureTwofoldHttp(app, config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it("the host's own REST route answers, with no Twofold session", async () => {
    const response = await fetch(`${url}/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('a host route that asks for a session gets 401 JSON without one, and the principal with one', async () => {
    const refused = await fetch(`${url}/hello/me`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const token = (await gql(`mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { sessionToken } }`, { e: ADMIN_EMAIL, p: ADMIN_PASSWORD })).data.signIn
      .sessionToken;
    const allowed = await fetch(`${url}/hello/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await allowed.json()).toEqual({ email: ADMIN_EMAIL });
  });

  it("Twofold's GraphQL, the extra method and the host's role map work together", async () => {
    const admin = (await gql(`mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { sessionToken } }`, { e: ADMIN_EMAIL, p: ADMIN_PASSWORD })).data
      .signIn.sessionToken;
    await gql(`mutation { updateTwoFactorPolicy(input: { allowedMethods: [EMAIL, AUTHENTICATOR_APP, SMS] }) { allowedMethods } }`, {}, admin);
    await gql(`mutation { createUser(input: { email: "host-agent@example.com", password: "host-agent-password-1" }) { id } }`, {}, admin);
    const agent = (await gql(`mutation { signIn(input: { email: "host-agent@example.com", password: "host-agent-password-1" }) { sessionToken } }`)).data.signIn.sessionToken;
    // rolePermissions from forRoot: this host lets agents list users.
    expect((await gql(`{ users { items { email } } }`, {}, agent)).errors).toBeUndefined();
    // The extra method, enrolled through its own mutations.
    expect((await gql(`mutation { startSmsEnrollment(phone: "+15550100077") { sentTo } }`, {}, agent)).data.startSmsEnrollment.sentTo).toBe('+15***77');
    const code = app.get<FakeSmsGateway>(SmsGateway, { strict: false }).lastCodeTo('+15550100077');
    const confirmed = await gql(`mutation($c: String!) { confirmSmsEnrollment(code: $c) { twoFactor { methods } } }`, { c: code }, agent);
    expect(confirmed.data.confirmSmsEnrollment.twoFactor.methods).toEqual(['SMS']);
  });
});
