// Runs the TypeScript sources in a child process (no build needed): SWC
// compiles each .ts file on require, with decorator metadata as Nest needs,
// and the @app/* path aliases resolve to libs/. Used by tests that start the
// server as a separate process: node -r ./test/support/register-ts.cjs file.ts
const Module = require('node:module');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const aliases = { '@app/crypto': 'libs/crypto/src', '@app/clock': 'libs/clock/src', '@app/totp': 'libs/totp/src' };

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  for (const [alias, target] of Object.entries(aliases)) {
    if (request === alias || request.startsWith(`${alias}/`)) {
      request = path.join(root, target, request.slice(alias.length));
      break;
    }
  }
  return resolveFilename.call(this, request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformFileSync(filename, {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
