import { describe, expect, it } from 'vitest';
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

describe('TwoFactorStatusService', () => {
  it('nothing enabled', async () => {
    expect(await service([], 0, {}).getStatus('u')).toEqual({ enabled: false, methods: [], preferredMethod: null, backupCodesRemaining: 0 });
  });

  it('lists primary methods in enum order, skips uninstalled ones, names the preferred', async () => {
    const rows = [
      { method: 'AUTHENTICATOR_APP', enabledAt: at, preferred: false },
      { method: 'GONE', enabledAt: at, preferred: false },
      { method: 'EMAIL', enabledAt: new Date(at.getTime() + 1), preferred: true },
    ];
    const status = await service(rows, 7, { EMAIL: true, AUTHENTICATOR_APP: true }).getStatus('u');
    expect(status).toEqual({ enabled: true, methods: ['EMAIL', 'AUTHENTICATOR_APP'], preferredMethod: 'EMAIL', backupCodesRemaining: 7 });
  });

  it('falls back to the first method when the preferred one is not installed', async () => {
    const rows = [
      { method: 'GONE', enabledAt: at, preferred: true },
      { method: 'AUTHENTICATOR_APP', enabledAt: at, preferred: false },
    ];
    expect((await service(rows, 10, { AUTHENTICATOR_APP: true }).getStatus('u')).preferredMethod).toBe('AUTHENTICATOR_APP');
  });
});
