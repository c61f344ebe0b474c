import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the unit
 * specs, which include the ones on an in-memory SQLite database (sql.js),
 * and the one spec of the counters' SQL on MariaDB. Never a spec that boots
 * the app: one mutant would cost seconds.
 */
const root = dirname(fileURLToPath(import.meta.url));
const alias = {
  '@app/crypto': resolve(root, 'libs/crypto/src'),
  '@app/clock': resolve(root, 'libs/clock/src'),
  '@app/totp': resolve(root, 'libs/totp/src'),
};

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias },
  test: {
    name: 'mutation',
    include: ['src/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/conditional-update.e2e-spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
