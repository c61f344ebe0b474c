import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { CONSOLE_DOCUMENTS } from './console-documents';
import { IDE_TABS } from './ide-tabs';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** The encodings an asset is kept in, best first. */
export type ContentEncoding = 'br' | 'gzip' | 'identity';

/** One file of the IDE: its content-hashed name and its bytes, raw and (once compressed) gzip and brotli. */
export class IdeAsset {
  /** e.g. `graphiql.3f2a9c01b4d5.js`: a new name whenever the bytes change, so it can be cached for good. */
  readonly name: string;
  private readonly compressed = new Map<Exclude<ContentEncoding, 'identity'>, Promise<Buffer>>();

  constructor(
    readonly logicalName: string,
    readonly type: string,
    readonly body: Buffer,
  ) {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const dot = logicalName.lastIndexOf('.');
    this.name = `${logicalName.slice(0, dot)}.${hash}${logicalName.slice(dot)}`;
  }

  /** The body in the first of `accepted` encodings (see acceptedEncodings), raw when none is. */
  async bodyFor(accepted: ContentEncoding[]): Promise<{ encoding: ContentEncoding; body: Buffer }> {
    const encoding = accepted[0] ?? 'identity';
    return { encoding, body: encoding === 'identity' ? this.body : await this.compress(encoding) };
  }

  /**
   * Compressed once, on the first request for it rather than at boot (an
   * instance whose IDE nobody opens spends nothing), off the event loop in
   * zlib's thread pool. Brotli at quality 9: GraphiQL in a third of a second
   * of CPU, 14 % smaller than gzip; 10 and 11 save 8 % more for ten to twenty
   * times the CPU.
   */
  private compress(encoding: Exclude<ContentEncoding, 'identity'>): Promise<Buffer> {
    let compressed = this.compressed.get(encoding);
    if (!compressed) {
      compressed =
        encoding === 'gzip'
          ? gzipAsync(this.body, { level: 9 })
          : brotliAsync(this.body, {
              params: {
                [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
                [zlibConstants.BROTLI_PARAM_SIZE_HINT]: this.body.length,
                [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
              },
            });
      this.compressed.set(encoding, compressed);
    }
    return compressed;
  }
}

/**
 * The encodings a client accepts, in the order we prefer them (brotli,
 * gzip, then none), from its Accept-Encoding header. `q=0` refuses an
 * encoding; `identity` is acceptable unless refused (RFC 9110 §12.5.3).
 */
export function acceptedEncodings(header: string | undefined): ContentEncoding[] {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.toLowerCase().split(';');
    const token = name.trim();
    if (!token) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(token, q ? Number(q[1]) : 1);
  }
  const weight = (encoding: string) => weights.get(encoding) ?? weights.get('*');
  const accepted: ContentEncoding[] = [];
  for (const encoding of ['br', 'gzip'] as const) {
    const q = weight(encoding);
    if (q !== undefined && q > 0) accepted.push(encoding);
  }
  const identity = weights.get('identity') ?? (weights.get('*') === 0 ? 0 : 1);
  if (identity > 0) accepted.push('identity');
  return accepted;
}

/** Files of this folder that the page loads beside GraphiQL: the sign-in panel and its styles. */
const CONSOLE_DIR = join(__dirname, 'console');

function packageFile(pkg: string, path: string): Buffer {
  // Through package.json: the UMD files are not in the packages' "exports".
  return readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), path));
}

/** The console's start script: the preloaded tabs and the panel's documents, then the panel (console/console.js). */
function consoleScript(): Buffer {
  const settings = `window.TWOFOLD_CONSOLE = ${JSON.stringify({ tabs: IDE_TABS, documents: CONSOLE_DOCUMENTS })};\n`;
  return Buffer.concat([Buffer.from(settings, 'utf8'), readFileSync(join(CONSOLE_DIR, 'console.js'))]);
}

export interface IdeAssets {
  /** In the order the page loads them. */
  styles: IdeAsset[];
  scripts: IdeAsset[];
  byName: Map<string, IdeAsset>;
}

let assets: IdeAssets | undefined;

/** Read and hashed once per process, when first needed; the files come from installed packages and never change under it. */
export function ideAssets(): IdeAssets {
  if (!assets) {
    const js = 'application/javascript; charset=utf-8';
    const css = 'text/css; charset=utf-8';
    const styles = [
      new IdeAsset('graphiql.css', css, packageFile('graphiql', 'graphiql.min.css')),
      new IdeAsset('console.css', css, readFileSync(join(CONSOLE_DIR, 'console.css'))),
    ];
    const scripts = [
      new IdeAsset('react.js', js, packageFile('react', 'umd/react.production.min.js')),
      new IdeAsset('react-dom.js', js, packageFile('react-dom', 'umd/react-dom.production.min.js')),
      new IdeAsset('graphiql.js', js, packageFile('graphiql', 'graphiql.min.js')),
      new IdeAsset('console.js', js, consoleScript()),
    ];
    assets = { styles, scripts, byName: new Map([...styles, ...scripts].map((asset) => [asset.name, asset])) };
  }
  return assets;
}
