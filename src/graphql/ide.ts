import type { ApolloServerPlugin } from '@apollo/server';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public } from '../common/decorators/access.decorators';

/** Where the IDE's files are served from: this server, never a CDN. */
export const IDE_ASSETS_PATH = '/graphql-ide';

/** Each asset: a file inside an installed package (null: the generated start script). */
const ASSETS: Record<string, { file: [pkg: string, path: string] | null; type: string }> = {
  'react.js': { file: ['react', 'umd/react.production.min.js'], type: 'application/javascript' },
  'react-dom.js': { file: ['react-dom', 'umd/react-dom.production.min.js'], type: 'application/javascript' },
  'graphiql.js': { file: ['graphiql', 'graphiql.min.js'], type: 'application/javascript' },
  'graphiql.css': { file: ['graphiql', 'graphiql.min.css'], type: 'text/css' },
  'ide.js': { file: null, type: 'application/javascript' },
};

/** Starts GraphiQL; a separate file so the page needs no inline script (CSP). */
const IDE_SCRIPT = `
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var defaultQuery = [
    '# Sign in, copy sessionToken, then add a header in the Headers tab:',
    '#   { "Authorization": "Bearer <sessionToken>" }',
    'mutation SignIn {',
    '  signIn(input: { email: "admin@example.com", password: "change-me-now" }) {',
    '    stage sessionToken expiresAt',
    '    challenge { methods emailSentTo attemptsRemaining }',
    '  }',
    '}',
    '',
  ].join('\\n');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery, shouldPersistHeaders: false })
  );
})();
`;

export function ideHtml(title: string): string {
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped} GraphQL IDE</title>
<link rel="stylesheet" href="${IDE_ASSETS_PATH}/graphiql.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Loading the GraphQL IDE…</div>
<script src="${IDE_ASSETS_PATH}/react.js"></script>
<script src="${IDE_ASSETS_PATH}/react-dom.js"></script>
<script src="${IDE_ASSETS_PATH}/graphiql.js"></script>
<script src="${IDE_ASSETS_PATH}/ide.js"></script>
</body>
</html>`;
}

/** Apollo landing page: our self-hosted GraphiQL instead of Apollo's CDN-hosted one. */
export function ideLandingPagePlugin(title: string): ApolloServerPlugin {
  const html = ideHtml(title);
  return {
    async serverWillStart() {
      return { async renderLandingPage() { return { html }; } };
    },
  };
}

const cache = new Map<string, Buffer>();

function assetBody(name: string): Buffer {
  let body = cache.get(name);
  if (!body) {
    const asset = ASSETS[name];
    // Through package.json: the UMD files are not in the packages' "exports".
    body = asset.file
      ? readFileSync(join(dirname(require.resolve(`${asset.file[0]}/package.json`)), asset.file[1]))
      : Buffer.from(IDE_SCRIPT, 'utf8');
    cache.set(name, body);
  }
  return body;
}

@Controller(IDE_ASSETS_PATH.slice(1))
@Public()
export class IdeAssetsController {
  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new NotFoundException();
    res.setHeader('Content-Type', `${asset.type}; charset=utf-8`);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.send(assetBody(file));
  }
}
