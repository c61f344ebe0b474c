import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOtpauthUri, generateTotpSecret, renderQrDataUrl } from './index';

const hasZbarimg = spawnSync('zbarimg', ['--version']).status === 0;

describe('buildOtpauthUri', () => {
  it('percent-encodes issuer and account', () => {
    expect(
      buildOtpauthUri({ issuer: 'Acme CX', accountName: 'agent+1@example.com', secretBase32: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' }),
    ).toBe(
      'otpauth://totp/Acme%20CX:agent%2B1%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20CX&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('encodes a colon rather than letting it split the label', () => {
    const uri = buildOtpauthUri({ issuer: 'A:B', accountName: 'c:d', secretBase32: 'MZXW6YTBOI' });
    expect(uri.startsWith('otpauth://totp/A%3AB:c%3Ad?secret=MZXW6YTBOI&issuer=A%3AB&')).toBe(true);
  });

  it('refuses an empty or invalid secret and empty names', () => {
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: 'a', secretBase32: '' })).toThrow(TypeError);
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: 'a', secretBase32: 'NOT BASE32' })).toThrow(TypeError);
    expect(() => buildOtpauthUri({ issuer: '', accountName: 'a', secretBase32: 'MZXW6YTBOI' })).toThrow(TypeError);
    expect(() => buildOtpauthUri({ issuer: 'Acme', accountName: '', secretBase32: 'MZXW6YTBOI' })).toThrow(TypeError);
  });
});

describe('renderQrDataUrl', () => {
  it('returns a PNG data URL', async () => {
    const url = await renderQrDataUrl('hello');
    expect(url).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const png = Buffer.from(url.split(',')[1], 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it.skipIf(!hasZbarimg)('decodes back to the exact otpauth URI with zbarimg', async () => {
    const uri = buildOtpauthUri({ issuer: 'Acme CX', accountName: 'agent+1@example.com', secretBase32: generateTotpSecret() });
    const url = await renderQrDataUrl(uri);
    const dir = mkdtempSync(join(tmpdir(), 'totp-qr-'));
    try {
      const file = join(dir, 'qr.png');
      writeFileSync(file, Buffer.from(url.split(',')[1], 'base64'));
      const run = spawnSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.replace(/\n$/, '')).toBe(uri);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
