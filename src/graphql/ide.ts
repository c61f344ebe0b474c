import type { ApolloServerPlugin } from '@apollo/server';
import { Controller, Get, MiddlewareConsumer, Module, NestModule, NotFoundException, Param, Req, RequestMethod, Res } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../common/decorators/access.decorators';
import { acceptedEncodings, IdeAssets, ideAssets } from './ide-assets';

/** Where the IDE's files are served from: this server, never a CDN. */
export const IDE_ASSETS_PATH = '/graphql-ide';

/** The assets' names carry a hash of their bytes, so a browser may keep them for a year without asking again. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The page: no inline script or style (the content policy of
 * src/common/http/hardening.ts allows only this server's own scripts), and
 * every file under a content-hashed name.
 */
export function ideHtml(title: string, assets: IdeAssets = ideAssets()): string {
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const styles = assets.styles.map((asset) => `<link rel="stylesheet" href="${IDE_ASSETS_PATH}/${asset.name}">`);
  const scripts = assets.scripts.map((asset) => `<script src="${IDE_ASSETS_PATH}/${asset.name}"></script>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped} GraphQL IDE</title>
<link rel="icon" href="data:,">
${styles.join('\n')}
</head>
<body>
<div id="graphiql">Loading the GraphQL IDE…</div>
${scripts.join('\n')}
</body>
</html>`;
}

/** Apollo landing page: our self-hosted GraphiQL instead of Apollo's CDN-hosted one. */
export function ideLandingPagePlugin(title: string): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          // Built on the first visit: an instance whose IDE nobody opens never reads the files.
          return { html: async () => ideHtml(title) };
        },
      };
    },
  };
}

/**
 * GET /graphql answers the page, whose asset names change with every
 * release: the browser must ask for it again each time (it still may keep a
 * copy and revalidate). Apollo sets its own Cache-Control on GET queries, which
 * overrides this one.
 */
export function ideNoCacheMiddleware(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-cache');
  next();
}

@Controller(IDE_ASSETS_PATH.slice(1))
@Public()
export class IdeAssetsController {
  /** Brotli or gzip as the browser accepts (compressed once, kept in memory); unknown names are 404. */
  @Get(':file')
  async asset(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const asset = ideAssets().byName.get(file);
    if (!asset) throw new NotFoundException();
    const { encoding, body } = await asset.bodyFor(acceptedEncodings(req.headers['accept-encoding']));
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Cache-Control', IMMUTABLE);
    res.setHeader('Vary', 'Accept-Encoding');
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    // end(), not send(): no ETag to compute over megabytes for a file that never changes under its name.
    res.status(200).end(body);
  }
}

/** The in-browser IDE: its page headers and its assets. Imported only when GRAPHQL_IDE is on. */
@Module({ controllers: [IdeAssetsController] })
export class IdeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ideNoCacheMiddleware).forRoutes({ path: 'graphql', method: RequestMethod.GET });
  }
}
