import { ManualClock } from '@app/clock';
import { Logger } from '@nestjs/common';
import { SecretSealer } from '@app/crypto';
import { generateTotp, generateTotpSecret, totpStep } from '@app/totp';
import { randomBytes } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryDatabase } from '../../../../test/support/memory-database';
import { DEFAULT_POLICY } from '../../policy/policy.types';
import { AUTHENTICATOR_ENROLLMENT_MINUTES, AuthenticatorMethodHandler, TOTP_WINDOW } from './authenticator-method.handler';
import { AuthenticatorSecretEntity } from './authenticator-secret.entity';
import { AuthenticatorSecretsService, totpSealContext } from './authenticator-secrets.service';

/**
 * AUTHENTICATOR_APP on the in-memory database: a TOTP code of a step newer
 * than the last used one (RFC 6238 §5.2), claimed by a conditional UPDATE so
 * that one code is accepted once; the sealed secret; the enrollment.
 */
describe('AUTHENTICATOR_APP and its stored secrets', () => {
  const START = Date.UTC(2026, 0, 1, 12, 0, 10);
  const policy = { ...DEFAULT_POLICY, updatedAt: new Date(0) };
  const client = { ip: null, userAgent: null };
  let source: DataSource;
  let repo: Repository<AuthenticatorSecretEntity>;
  let appSecret: Buffer;
  let sealer: SecretSealer;
  let secrets: AuthenticatorSecretsService;
  let methods: { calls: unknown[][]; isEnabled(...args: unknown[]): Promise<boolean>; remove(...args: unknown[]): Promise<void> };
  let handler: AuthenticatorMethodHandler;
  let clock: ManualClock;
  let user: string;
  let secret: string;
  let n = 0;

  beforeAll(async () => {
    source = await memoryDatabase([AuthenticatorSecretEntity]);
    repo = source.getRepository(AuthenticatorSecretEntity);
  });
  afterAll(() => source.destroy());
  beforeEach(() => {
    appSecret = randomBytes(32);
    sealer = new SecretSealer(appSecret);
    secrets = new AuthenticatorSecretsService(repo, sealer);
    methods = {
      calls: [],
      async isEnabled(...args) {
        this.calls.push(['isEnabled', ...args]);
        return true;
      },
      async remove(...args) {
        this.calls.push(['remove', ...args]);
      },
    };
    handler = new AuthenticatorMethodHandler(secrets, methods as never);
    clock = new ManualClock(START);
    user = `user-${++n}`;
    secret = generateTotpSecret();
  });

  const codeAt = (offsetSteps: number, s = secret) => generateTotp({ secretBase32: s, now: new Date(clock.now().getTime() + offsetSteps * 30_000) });
  const verify = (code: string, userId = user) =>
    handler.verify({ userId, challengeId: 'c1', code, now: clock.now(), policy, client: client as never });
  const enroll = (lastUsedStep: number | null = null, s = secret) =>
    secrets.store(source.manager, user, s, lastUsedStep as number, clock.now());
  const stored = async () => (await repo.findOneBy({ userId: user }))!;

  it('a primary method, one step of drift either way, 15 minutes to enroll', () => {
    expect(handler.method).toBe('AUTHENTICATOR_APP');
    expect(handler.primary).toBe(true);
    expect(TOTP_WINDOW).toBe(1);
    expect(AUTHENTICATOR_ENROLLMENT_MINUTES).toBe(15);
    expect(handler.enrollment.lifetimeMinutes!({} as never)).toBe(15);
  });

  it('asks the user\'s methods whether it is on, and normalises six digits', async () => {
    expect(await handler.isEnabled(user)).toBe(true);
    expect(methods.calls).toEqual([['isEnabled', user, 'AUTHENTICATOR_APP']]);
    expect(handler.normalizeCode('123 456')).toBe('123456');
    expect(handler.normalizeCode('12345a')).toBeNull();
  });

  it('accepts the current code once, and claims its step', async () => {
    await enroll();
    expect(await verify(codeAt(0))).toEqual({ status: 'accepted' });
    expect((await stored()).lastUsedStep).toBe(totpStep(clock.now()));
    expect(await verify(codeAt(0))).toEqual({ status: 'refused' });
  });

  it('accepts one step of drift either way, not two; never a step at or before the last used one', async () => {
    await enroll();
    expect(await verify(codeAt(-2))).toEqual({ status: 'refused' });
    expect(await verify(codeAt(2))).toEqual({ status: 'refused' });
    expect(await verify(codeAt(-1))).toEqual({ status: 'accepted' });
    expect(await verify(codeAt(1))).toEqual({ status: 'accepted' });
    expect((await stored()).lastUsedStep).toBe(totpStep(clock.now()) + 1);
    // The current step is older than the one just used: refused.
    expect(await verify(codeAt(0))).toEqual({ status: 'refused' });
  });

  it('the step the enrollment used counts as used', async () => {
    const step = totpStep(clock.now());
    const code = codeAt(0);
    const check = await handler.enrollment.check({ userId: user, enrollmentId: 'e1', sessionId: 's1', state: { secret }, code, credential: null, now: clock.now(), policy, client: null });
    expect(check).toEqual({ status: 'accepted', details: { step } });
    await handler.enrollment.persist(source.manager, {
      userId: user,
      enrollmentId: 'e1',
      sessionId: 's1',
      state: { secret },
      code,
      credential: null,
      now: clock.now(),
      accepted: { step },
      name: null,
    });
    expect(await stored()).toMatchObject({ userId: user, lastUsedStep: step, createdAt: clock.now() });
    expect(await verify(code)).toEqual({ status: 'refused' });
    clock.advanceSeconds(30);
    expect(await verify(codeAt(0))).toEqual({ status: 'accepted' });
  });

  it('an enrollment check refuses a wrong code, a missing code and a state without a secret', async () => {
    const base = { userId: user, enrollmentId: 'e1', sessionId: 's1', credential: null, now: clock.now(), policy, client: null };
    expect(await handler.enrollment.check({ ...base, state: { secret }, code: codeAt(2) })).toEqual({ status: 'refused' });
    expect(await handler.enrollment.check({ ...base, state: { secret }, code: null })).toEqual({ status: 'refused' });
    expect(await handler.enrollment.check({ ...base, state: { secret: 42 }, code: codeAt(0) })).toEqual({ status: 'refused' });
    expect(await handler.enrollment.check({ ...base, state: {}, code: codeAt(0) })).toEqual({ status: 'refused' });
    expect(await handler.enrollment.check({ ...base, state: { secret }, code: codeAt(1) })).toMatchObject({ status: 'accepted' });
  });

  it('begin gives a fresh 160-bit secret each time', async () => {
    const begin = () => handler.enrollment.begin({} as never);
    const first = (await begin()) as { secret: string };
    expect(first.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(((await begin()) as { secret: string }).secret).not.toBe(first.secret);
  });

  it('of two requests with the same code, one is accepted', async () => {
    await enroll();
    const results = await Promise.all([verify(codeAt(0)), verify(codeAt(0))]);
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'refused']);
  });

  it('advance claims only a newer step, of this user', async () => {
    await enroll();
    const other = `${user}-other`;
    await secrets.store(source.manager, other, secret, 100, clock.now());
    expect(await secrets.advance(user, 10)).toBe(true);
    expect(await secrets.advance(user, 10)).toBe(false);
    expect(await secrets.advance(user, 9)).toBe(false);
    expect(await secrets.advance(user, 11)).toBe(true);
    expect((await stored()).lastUsedStep).toBe(11);
    expect((await repo.findOneBy({ userId: other }))!.lastUsedStep).toBe(100);
    expect(await secrets.advance(`${user}-none`, 12)).toBe(false);
  });

  it('no secret: the user has not this method (unavailable: the attempt is given back), and nothing is written', async () => {
    // The secret is there exactly while the method is on: its absence answers for the method (no isEnabled asked first).
    expect(await verify(codeAt(0))).toEqual({ status: 'unavailable' });
    expect(methods.calls).toEqual([]);
    expect(await repo.countBy({ userId: user })).toBe(0);
    // Another user's secret does not make it available.
    await secrets.store(source.manager, `${user}-other`, secret, null as never, clock.now());
    expect(await verify(codeAt(0))).toEqual({ status: 'unavailable' });
  });

  it('a secret that cannot be unsealed (another key, another user\'s row): refused', async () => {
    await repo.insert({ userId: user, sealedSecret: new SecretSealer(randomBytes(32)).seal(secret, totpSealContext(user)), lastUsedStep: null, createdAt: clock.now() });
    expect(await verify(codeAt(0))).toEqual({ status: 'refused' });
    await repo.update({ userId: user }, { sealedSecret: sealer.seal(secret, totpSealContext('someone-else')) });
    expect(await verify(codeAt(0))).toEqual({ status: 'refused' });
    expect((await stored()).lastUsedStep).toBeNull();
  });

  it('the secret is stored sealed for its user, and replaced by a new enrollment', async () => {
    await enroll(5);
    const row = await stored();
    expect(row.sealedSecret).not.toContain(secret);
    expect(sealer.unseal(row.sealedSecret, `totp:${user}`)).toBe(secret);
    expect(secrets.unseal(user, row.sealedSecret)).toBe(secret);
    expect(secrets.unseal(`${user}-x`, row.sealedSecret)).toBeNull();
    expect(sealer.unseal(secrets.seal(user, secret), totpSealContext(user))).toBe(secret);
    const next = generateTotpSecret();
    await enroll(7, next);
    expect(await repo.countBy({ userId: user })).toBe(1);
    expect(await stored()).toMatchObject({ lastUsedStep: 7 });
    expect(secrets.unseal(user, (await stored()).sealedSecret)).toBe(next);
  });

  it('a secret sealed under the previous APP_SECRET is sealed again under the current one when used', async () => {
    await enroll();
    const old = (await stored()).sealedSecret;
    const rotated = new SecretSealer(randomBytes(32), [appSecret]);
    const after = new AuthenticatorSecretsService(repo, rotated);
    const found = (await after.find(user))!;
    expect(found.sealedSecret).not.toBe(old);
    expect(rotated.needsReseal(found.sealedSecret)).toBe(false);
    expect((await stored()).sealedSecret).toBe(found.sealedSecret);
    expect(after.unseal(user, found.sealedSecret)).toBe(secret);
    expect(await new AuthenticatorMethodHandler(after, methods as never).verify({ userId: user, challengeId: 'c', code: codeAt(0), now: clock.now(), policy, client: client as never })).toEqual({ status: 'accepted' });
    expect(await after.find(`${user}-none`)).toBeNull();
  });

  it('a re-seal does not overwrite a secret changed meanwhile', async () => {
    await enroll();
    const rotated = new SecretSealer(randomBytes(32), [appSecret]);
    const next = generateTotpSecret();
    const racing = new Proxy(repo, {
      get(target, key, receiver) {
        if (key !== 'findOneBy') return Reflect.get(target, key, receiver);
        return async (where: never) => {
          const found = await target.findOneBy(where);
          await target.update({ userId: user }, { sealedSecret: sealer.seal(next, totpSealContext(user)) });
          return found;
        };
      },
    });
    await new AuthenticatorSecretsService(racing, rotated).find(user);
    expect(rotated.unseal((await stored()).sealedSecret, totpSealContext(user))).toBe(next);
  });

  it('an unexpected error while unsealing is not mistaken for a wrong key', () => {
    const broken = new AuthenticatorSecretsService(repo, { unseal: () => { throw new TypeError('bug'); } } as never);
    expect(() => broken.unseal(user, 'x')).toThrow(TypeError);
  });

  it('disable turns the method off and forgets the secret', async () => {
    await enroll();
    await secrets.store(source.manager, `${user}-other`, secret, null as never, clock.now());
    await handler.disable(user);
    expect(methods.calls).toEqual([['remove', user, 'AUTHENTICATOR_APP']]);
    expect(await repo.countBy({ userId: user })).toBe(0);
    expect(await repo.countBy({ userId: `${user}-other` })).toBe(1);
  });

  it('a secret that cannot be unsealed is logged with the user and the reason, never the secret', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const sealed = new SecretSealer(randomBytes(32)).seal(secret, totpSealContext(user));
      expect(secrets.unseal(user, sealed)).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      const [message] = warn.mock.calls[0] as [string];
      expect(message).toMatch(new RegExp(`^The authenticator secret of user ${user} cannot be unsealed: cannot unseal: unknown key id [0-9a-f]{8}$`));
      expect(message).not.toContain(secret);
      expect((warn.mock.contexts[0] as { context?: string }).context).toBe('AuthenticatorSecrets');
    } finally {
      warn.mockRestore();
    }
  });
});
