import { buildSchema, parse, validate } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_DOCUMENTS } from './console-documents';
import { IDE_TABS } from './ide-tabs';

/** The committed schema, which test/schema-file.e2e-spec.ts keeps equal to what the code generates. */
const schema = buildSchema(readFileSync(join(__dirname, '../../schema.gql'), 'utf8'));

function problems(document: string): string[] {
  return validate(schema, parse(document)).map((error) => error.message);
}

describe('the console documents are valid against schema.gql', () => {
  it.each(IDE_TABS.map((tab) => [tab.query.match(/(?:query|mutation) (\w+)/)![1], tab] as const))('tab %s', (_name, tab) => {
    expect(problems(tab.query)).toEqual([]);
    if (tab.variables) expect(() => JSON.parse(tab.variables!)).not.toThrow();
  });

  it.each(Object.entries(CONSOLE_DOCUMENTS))('sign-in panel: %s', (_name, document) => {
    expect(problems(document)).toEqual([]);
  });

  it('each tab is named for a different task, and the first names no account', () => {
    const names = IDE_TABS.flatMap((tab) => [...tab.query.matchAll(/(?:query|mutation) (\w+)/g)].map((m) => m[1]));
    expect(new Set(names).size).toBe(names.length);
    expect(IDE_TABS[0].query).not.toMatch(/@|password|signIn/i);
    expect(IDE_TABS[0].variables).toBeUndefined();
  });
});
