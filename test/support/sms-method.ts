/**
 * The tests' use of examples/sms, the integrator's SMS method built only
 * from the public barrel: SmsTestModule installs it with the in-memory
 * gateway; enableSms turns it on for a user the way a user does (the
 * GraphQL enrollment mutations, the code read from the texted message).
 */
import { SessionStage } from '../../src/common/auth/session-stage';
import { SessionsService as SessionsServiceForTests } from '../../src/modules/auth/sessions.service';
import { PolicyService } from '../../src/modules/policy/policy.service';
import { FakeSmsGateway, SmsGateway } from '../../examples/sms/sms-gateway';
import { SMS } from '../../examples/sms/sms-method.handler';
import { SmsModule } from '../../examples/sms/sms.module';
import type { TestApp } from './app';

export { SMS };

export const SmsTestModule = SmsModule.register({ gateway: FakeSmsGateway });

const phones = new Map<string, string>();

/** Adds SMS to the policy's allowedMethods (an admin would do it with updateTwoFactorPolicy). */
export async function allowSms(t: TestApp): Promise<void> {
  const policy = t.app.get(PolicyService);
  const { updatedAt: _updatedAt, ...current } = await policy.get();
  if (current.allowedMethods.includes(SMS)) return;
  await policy.save({ ...current, allowedMethods: [...current.allowedMethods, SMS] }, t.clock.now());
}

export function gateway(t: TestApp): FakeSmsGateway {
  return t.app.get<FakeSmsGateway>(SmsGateway);
}

/** Turns SMS on for the user through startSmsEnrollment / confirmSmsEnrollment. Returns the backup codes when it was the first method. */
export async function enableSms(t: TestApp, userId: string, phone = '+15550100001'): Promise<{ backupCodes: string[] | null }> {
  await allowSms(t);
  const { token } = await t.app.get(SessionsServiceForTests).open(userId, SessionStage.AUTHENTICATED, { ip: '127.0.0.1', userAgent: 'tests' });
  const started = await t.gql(`mutation($phone: String!) { startSmsEnrollment(phone: $phone) { sentTo } }`, { phone }, { token });
  if (started.errors) throw new Error(`startSmsEnrollment failed: ${JSON.stringify(started.errors)}`);
  const code = gateway(t).lastCodeTo(phone);
  const confirmed = await t.gql(`mutation($code: String!) { confirmSmsEnrollment(code: $code) { backupCodes } }`, { code }, { token });
  if (confirmed.errors) throw new Error(`confirmSmsEnrollment failed: ${JSON.stringify(confirmed.errors)}`);
  phones.set(userId, phone);
  return confirmed.data.confirmSmsEnrollment;
}

/** The code of the last text sent to the user's number. */
export function lastSmsCode(t: TestApp, userId: string): string {
  return gateway(t).lastCodeTo(phones.get(userId) ?? '+15550100001');
}
