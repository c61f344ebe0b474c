import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/common/errors/error-code';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const GUIDE = readFileSync(join(ROOT, 'docs/frontend.md'), 'utf8');

/** The guide's fenced blocks of one language whose first line names a file (`# path` or `// path`). */
function files(language: string, comment: string): Array<{ path: string; text: string }> {
  const fence = new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g');
  return [...GUIDE.matchAll(fence)].map(([, text]) => {
    const first = text.split('\n')[0];
    if (!first.startsWith(`${comment} `)) throw new Error(`a \`\`\`${language} block of docs/frontend.md does not start with "${comment} <file>": ${first}`);
    return { path: first.slice(comment.length + 1).trim(), text };
  });
}

/** The codes of the guide's error table: its rows' first cells. */
function tableCodes(): string[] {
  const section = GUIDE.slice(GUIDE.indexOf('## Errors'), GUIDE.indexOf('## The trusted-device cookie'));
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
}

describe('docs/frontend.md', () => {
  const documents = files('graphql', '#');
  const sources = files('ts', '//');
  // Inside the project, so that the codegen CLI and its plugins resolve from node_modules.
  let project: string;

  beforeAll(() => {
    mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
    project = mkdtempSync(join(ROOT, 'node_modules/.cache/frontend-guide-'));
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('has its documents valid against schema.gql', () => {
    expect(documents.length).toBeGreaterThanOrEqual(3);
    const schema = buildSchema(readFileSync(join(ROOT, 'schema.gql'), 'utf8'));
    // Fragments are shared between files, as codegen sees them: validate them together.
    const all = parse(documents.map((d) => d.text).join('\n'));
    expect(validate(schema, all).map((e) => e.message)).toEqual([]);
    for (const definition of all.definitions) expect(definition).toHaveProperty('name.value');
  });

  it('has a codegen set-up whose output, with the example, compiles under tsc --strict with no duplicate identifier', async () => {
    copyFileSync(join(ROOT, 'schema.gql'), join(project, 'schema.gql'));
    for (const file of [...documents, ...sources]) {
      mkdirSync(dirname(join(project, file.path)), { recursive: true });
      writeFileSync(join(project, file.path), file.text);
    }
    expect(sources.map((s) => s.path)).toContain('codegen.ts');

    await run(process.execPath, [join(ROOT, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', 'codegen.ts'], { cwd: project, timeout: 120_000 });
    const generated = readFileSync(join(project, 'src/generated/twofold.ts'), 'utf8');
    for (const name of ['SignInMutation', 'SignInMutationVariables', 'VerifyTwoFactorMutation', 'CurrentSessionQuery', 'ChallengeFieldsFragment', 'ConfirmAuthenticatorEnrollmentMutation', 'SessionStage', 'TwoFactorMethod']) {
      expect(generated).toMatch(new RegExp(`export type ${name}\\b`));
    }
    const declared = [...generated.matchAll(/^export (?:type|interface|enum|const) (\w+)/gm)].map((m) => m[1]);
    expect(declared.filter((name, i) => declared.indexOf(name) !== i)).toEqual([]);

    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          types: [],
          noUnusedLocals: true,
          noImplicitReturns: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
        },
        include: ['src'],
      }),
    );
    const compiled = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, timeout: 120_000 }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(compiled).toBe('');
  }, 180_000);

  it('lists every error code of the server, in the table and in the example type', () => {
    const codes = Object.values(ErrorCode).sort();
    expect([...tableCodes()].sort()).toEqual(codes);
    const example = sources.find((s) => s.path.endsWith('sign-in-screen.ts'))!.text;
    const union = example.slice(example.indexOf('export type TwofoldErrorCode'), example.indexOf(';', example.indexOf('export type TwofoldErrorCode')));
    expect([...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort()).toEqual(codes);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('docs/frontend.md');
  });
});
