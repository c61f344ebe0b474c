import { describe, expect, it } from 'vitest';
import { registerTwoFactorMethodName } from '../../common/auth/two-factor-method';
import { BackupCodesService } from '../backup-codes/backup-codes.service';
import { TwoFactorMethodsRegistry } from '../methods/two-factor-methods.registry';
import { EnabledMethod, UserMethodsService } from '../methods/user-methods/user-methods.service';
import { TwoFactorStatusService } from './two-factor-status.service';

function service(rows: EnabledMethod[], remaining: number, primary: Record<string, boolean>) {
  const userMethods = { list: async () => rows } as unknown as UserMethodsService;
  const backupCodes = { remaining: async () => remaining } as unknown as BackupCodesService;
  const registry = {
    get: (method: string) => (method in primary ? { method, primary: primary[method] } : undefined),
  } as unknown as TwoFactorMethodsRegistry;
  return new TwoFactorStatusService(userMethods, backupCodes, registry);
}

const at = new Date('2026-01-01T00:00:00Z');

// Two made-up methods, registered in this order: the enum's order is registration order.
const FIRST = 'STATUS_FIRST_TEST';
const SECOND = 'STATUS_SECOND_TEST';
registerTwoFactorMethodName(FIRST);
registerTwoFactorMethodName(SECOND);

describe('TwoFactorStatusService', () => {
  it('nothing enabled', async () => {
    expect(await service([], 0, {}).getStatus('u')).toEqual({ userId: 'u', enabled: false, methods: [], preferredMethod: null, backupCodesRemaining: 0 });
  });

  it('lists primary methods in enum order, skips uninstalled ones, names the preferred', async () => {
    const rows = [
      { method: SECOND, enabledAt: at, preferred: false },
      { method: 'GONE', enabledAt: at, preferred: false },
      { method: FIRST, enabledAt: new Date(at.getTime() + 1), preferred: true },
    ];
    const status = await service(rows, 7, { [FIRST]: true, [SECOND]: true }).getStatus('u');
    expect(status).toEqual({ userId: 'u', enabled: true, methods: [FIRST, SECOND], preferredMethod: FIRST, backupCodesRemaining: 7 });
  });

  it('falls back to the first method when the preferred one is not installed', async () => {
    const rows = [
      { method: 'GONE', enabledAt: at, preferred: true },
      { method: SECOND, enabledAt: at, preferred: false },
    ];
    expect((await service(rows, 10, { [SECOND]: true }).getStatus('u')).preferredMethod).toBe(SECOND);
  });
});
