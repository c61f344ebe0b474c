import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptedEncodings, IdeAsset, ideAssets } from './ide-assets';

describe('acceptedEncodings', () => {
  it('prefers brotli, then gzip, then none, whatever order the client lists them in', () => {
    expect(acceptedEncodings('gzip, deflate, br, zstd')).toEqual(['br', 'gzip', 'identity']);
    expect(acceptedEncodings('gzip')).toEqual(['gzip', 'identity']);
    expect(acceptedEncodings('*')).toEqual(['br', 'gzip', 'identity']);
  });

  it('takes no header, or an empty one, as "no compression"', () => {
    expect(acceptedEncodings(undefined)).toEqual(['identity']);
    expect(acceptedEncodings('')).toEqual(['identity']);
  });

  it('honours q=0 as a refusal (RFC 9110)', () => {
    expect(acceptedEncodings('br;q=0, gzip;q=0.5')).toEqual(['gzip', 'identity']);
    expect(acceptedEncodings('gzip, identity;q=0')).toEqual(['gzip']);
    expect(acceptedEncodings('*;q=0, gzip')).toEqual(['gzip']);
    expect(acceptedEncodings('BR ; Q=1')).toEqual(['br', 'identity']);
  });
});

describe('IdeAsset', () => {
  const text = Buffer.from('console.log("the same line, again and again");\n'.repeat(2000));

  it('names itself after a hash of its bytes', () => {
    const asset = new IdeAsset('app.js', 'application/javascript', text);
    expect(asset.name).toMatch(/^app\.[0-9a-f]{12}\.js$/);
    expect(new IdeAsset('app.js', 'application/javascript', Buffer.from(text)).name).toBe(asset.name);
    expect(new IdeAsset('app.js', 'application/javascript', Buffer.concat([text, Buffer.from(' ')])).name).not.toBe(asset.name);
  });

  it('serves the encoding the client prefers, compressed once, and the raw bytes to a client that accepts none', async () => {
    const asset = new IdeAsset('app.js', 'application/javascript', text);
    const gzip = await asset.bodyFor(['gzip', 'identity']);
    expect(gzip.encoding).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(text)).toBe(true);
    expect(gzip.body.length).toBeLessThan(text.length / 10);
    expect((await asset.bodyFor(['gzip'])).body).toBe(gzip.body); // the same buffer: compressed once

    const br = await asset.bodyFor(['br', 'gzip', 'identity']);
    expect(br.encoding).toBe('br');
    expect(brotliDecompressSync(br.body).equals(text)).toBe(true);

    expect(await asset.bodyFor(['identity'])).toEqual({ encoding: 'identity', body: text });
    expect((await asset.bodyFor([])).encoding).toBe('identity');
  });
});

describe('ideAssets', () => {
  it('has GraphiQL, React and the console, each under a hashed name', () => {
    const assets = ideAssets();
    const names = [...assets.styles, ...assets.scripts].map((asset) => asset.logicalName);
    expect(names).toEqual(['graphiql.css', 'console.css', 'react.js', 'react-dom.js', 'graphiql.js', 'console.js']);
    for (const asset of assets.byName.values()) expect(asset.name).not.toBe(asset.logicalName);
    const script = assets.scripts.find((asset) => asset.logicalName === 'console.js')!.body.toString('utf8');
    expect(script.startsWith('window.TWOFOLD_CONSOLE = {"tabs":[')).toBe(true);
  });
});
