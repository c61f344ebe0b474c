import { ManualClock } from '@app/clock';
import { describe, expect, it, vi } from 'vitest';
import { Role } from '../../common/auth/role';
import { DEFAULT_POLICY, TwoFactorFrequency, TwoFactorRequirement } from '../policy/policy.types';
import { TrustedDevicesService } from '../trusted-devices/trusted-devices.service';
import { UserEntity } from '../users/entities/user.entity';
import { AttemptsService } from '../attempts/attempts.service';
import { SessionIssuer } from '../auth/session-issuer.service';
import { ChallengeBegin } from './challenge-begin.service';
import { ChallengeSignInFlow } from './challenge-sign-in.flow';
import { SignInReads } from './sign-in-reads.service';
import { ChallengeMethods, UserMethods } from './offered-methods';

const user = { id: 'u1', email: 'u@example.com', role: Role.AGENT } as UserEntity;
const client = { ip: '127.0.0.1', userAgent: 'test' };
const app = { method: 'APP_TEST', primary: true } as never;

const NOW = Date.parse('2026-11-22T03:00:00Z');

function flow(options: {
  locked?: boolean;
  methods?: UserMethods;
  requirement?: TwoFactorRequirement;
  device?: boolean;
  frequency?: TwoFactorFrequency;
  enrollmentGraceDays?: number;
}) {
  const policy = {
    ...DEFAULT_POLICY,
    enrollmentGraceDays: options.enrollmentGraceDays ?? 0,
    requirement: options.requirement ?? TwoFactorRequirement.OPTIONAL,
    frequency: options.frequency ?? DEFAULT_POLICY.frequency,
    updatedAt: new Date(0),
  };
  const challenge = {
    of: vi.fn(() => options.methods ?? { enabled: [], primaries: [], preferred: null }),
    enabled: vi.fn(async () => ({ methods: [], preferredMethod: null })),
    pendingEnrollment: vi.fn(async () => ({ stage: 'PENDING_ENROLLMENT' })),
    authenticated: vi.fn(async (_u: unknown, _c: unknown, details?: unknown) => ({ stage: 'AUTHENTICATED', details })),
    begin: vi.fn(async () => ({ stage: 'PENDING_TWO_FACTOR' })),
    assertMaySignIn: vi.fn((u: UserEntity) => {
      if (u.disabled) throw Object.assign(new Error('disabled'), { code: 'ACCOUNT_DISABLED' });
    }),
  };
  const attempts = {
    read: vi.fn(async () => null),
    snapshotOf: vi.fn(() => ({ attemptsRemaining: 5, retryAvailableAt: null, lockedForSeconds: options.locked ? 60 : 0 })),
    create: vi.fn(async () => undefined),
  };
  const devices = { redeem: vi.fn(async () => (options.device ? { token: 'next', expiresAt: new Date(1) } : null)) };
  const instance = new ChallengeSignInFlow(
    challenge as unknown as ChallengeBegin,
    challenge as unknown as SessionIssuer,
    { factsOf: async () => ({ policy, counter: null, enabled: { methods: [], preferredMethod: null } }) } as unknown as SignInReads,
    attempts as unknown as AttemptsService,
    devices as unknown as TrustedDevicesService,
    challenge as unknown as ChallengeMethods,
    new ManualClock(NOW),
  );
  return { instance, challenge, devices };
}

describe('ChallengeSignInFlow', () => {
  it('refuses a locked user before anything else', async () => {
    const { instance, challenge } = flow({ locked: true, methods: { enabled: [app], primaries: [app], preferred: app } });
    await expect(instance.afterPassword(user, { client, trustedDeviceToken: 'x' })).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    expect(challenge.begin).not.toHaveBeenCalled();
  });

  it('refuses a disabled user before anything else, even a locked one with a trusted device', async () => {
    const { instance, challenge, devices } = flow({ locked: true, device: true, methods: { enabled: [app], primaries: [app], preferred: app } });
    const disabled = { ...user, disabled: true } as UserEntity;
    await expect(instance.afterPassword(disabled, { client, trustedDeviceToken: 'x' })).rejects.toMatchObject({ code: 'ACCOUNT_DISABLED' });
    expect(devices.redeem).not.toHaveBeenCalled();
    expect(challenge.begin).not.toHaveBeenCalled();
  });

  it('no method under the requirement: AUTHENTICATED within the grace, PENDING_ENROLLMENT once it ran out or without one', async () => {
    const day = 86_400_000;
    const covered = (daysAgo: number | null) =>
      ({ ...user, twoFactorRequiredSince: daysAgo === null ? null : new Date(NOW - daysAgo * day) }) as UserEntity;
    const graced = flow({ requirement: TwoFactorRequirement.REQUIRED_FOR_ALL, enrollmentGraceDays: 14 }).instance;
    expect(await graced.afterPassword(covered(13), { client, trustedDeviceToken: null })).toMatchObject({ stage: 'AUTHENTICATED' });
    expect(await graced.afterPassword(covered(14), { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_ENROLLMENT' });
    expect(await graced.afterPassword(covered(null), { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_ENROLLMENT' });
    const none = flow({ requirement: TwoFactorRequirement.REQUIRED_FOR_ALL, enrollmentGraceDays: 0 }).instance;
    expect(await none.afterPassword(covered(0), { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_ENROLLMENT' });
  });

  it('no method: AUTHENTICATED, or PENDING_ENROLLMENT when the policy requires 2FA', async () => {
    expect(await flow({}).instance.afterPassword(user, { client, trustedDeviceToken: null })).toMatchObject({ stage: 'AUTHENTICATED' });
    const required = flow({ requirement: TwoFactorRequirement.REQUIRED_FOR_ALL });
    expect(await required.instance.afterPassword(user, { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_ENROLLMENT' });
    const adminsOnly = flow({ requirement: TwoFactorRequirement.REQUIRED_FOR_ADMINS });
    expect(await adminsOnly.instance.afterPassword(user, { client, trustedDeviceToken: null })).toMatchObject({ stage: 'AUTHENTICATED' });
  });

  it('a trusted device skips the challenge with a rotated token; an unknown one does not', async () => {
    const methods = { enabled: [app], primaries: [app], preferred: app };
    const trusted = flow({ methods, device: true });
    expect(await trusted.instance.afterPassword(user, { client, trustedDeviceToken: 'old' })).toMatchObject({
      stage: 'AUTHENTICATED',
      details: { trustedDevice: true },
      trustedDeviceToken: 'next',
    });
    const untrusted = flow({ methods, device: false });
    expect(await untrusted.instance.afterPassword(user, { client, trustedDeviceToken: 'old' })).toMatchObject({ stage: 'PENDING_TWO_FACTOR' });
    const none = flow({ methods, device: true });
    expect(await none.instance.afterPassword(user, { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_TWO_FACTOR' });
    expect(none.devices.redeem).not.toHaveBeenCalled();
  });

  it('methods the policy no longer allows still owe a second factor (backup codes), never a plain session', async () => {
    const { instance, challenge } = flow({ methods: { enabled: [app], primaries: [], preferred: null }, requirement: TwoFactorRequirement.REQUIRED_FOR_ALL });
    expect(await instance.afterPassword(user, { client, trustedDeviceToken: null })).toMatchObject({ stage: 'PENDING_TWO_FACTOR' });
    expect(challenge.authenticated).not.toHaveBeenCalled();
    expect(challenge.pendingEnrollment).not.toHaveBeenCalled();
  });

  it('marks a refused trusted-device token (so signIn clears its cookie), but not under EVERY_LOGIN', async () => {
    const methods = { enabled: [app], primaries: [app], preferred: app };
    const refused = await flow({ methods, device: false }).instance.afterPassword(user, { client, trustedDeviceToken: 'old' });
    expect(refused).toMatchObject({ stage: 'PENDING_TWO_FACTOR', trustedDeviceRefused: true });
    const none = await flow({ methods, device: false }).instance.afterPassword(user, { client, trustedDeviceToken: null });
    expect(none.trustedDeviceRefused).toBeUndefined();
    const everyLogin = flow({ methods, device: false, frequency: TwoFactorFrequency.EVERY_LOGIN });
    expect((await everyLogin.instance.afterPassword(user, { client, trustedDeviceToken: 'old' })).trustedDeviceRefused).toBeUndefined();
  });
});
