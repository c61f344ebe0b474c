import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * A server without OTEL_EXPORTER_OTLP_ENDPOINT loads nothing of
 * OpenTelemetry: only tracing.ts imports it, and nothing imports tracing.ts
 * but main.ts, dynamically, after reading the configuration (and types).
 */
describe('tracing is loaded lazily', () => {
  it('only src/observability/tracing.ts imports @opentelemetry, and only dynamically', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const name = relative(SRC, file);
      const text = readFileSync(file, 'utf8');
      if (name !== join('observability', 'tracing.ts') && /from '@opentelemetry\//.test(text)) offenders.push(`${name} imports @opentelemetry`);
      for (const match of text.matchAll(/^import (?!type )[^;]*from '[./]+(?:observability\/)?tracing';/gm)) offenders.push(`${name}: ${match[0]}`);
    }
    expect(offenders).toEqual([]);
    expect(readFileSync(join(SRC, 'main.ts'), 'utf8')).toMatch(/await import\('\.\/observability\/tracing'\)/);
  });
});
