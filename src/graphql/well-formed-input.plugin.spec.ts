import { describe, expect, it } from 'vitest';
import { DocumentNode, GraphQLError, Kind, parse, visit } from 'graphql';
import { findIllFormedString, wellFormedInputPlugin } from './well-formed-input.plugin';

describe('findIllFormedString', () => {
  it('finds a lone surrogate anywhere in the variables and names where', () => {
    expect(findIllFormedString({ input: { email: 'a\ud800b' } })).toBe('variables.input.email');
    expect(findIllFormedString({ list: ['ok', '\udfff'] })).toBe('variables.list[1]');
  });

  it('accepts every well-formed string, emoji and NUL included', () => {
    expect(findIllFormedString({ a: '😀', b: 'naïve', c: '１２３', d: 'a\u0000b', e: [1, null, true] })).toBeNull();
  });
});

describe('wellFormedInputPlugin', () => {
  const check = async (plugin: ReturnType<typeof wellFormedInputPlugin>, document: DocumentNode, variables: Record<string, unknown> = {}) => {
    const listener = (await plugin.requestDidStart!({} as never)) as { didResolveOperation(context: unknown): Promise<void> };
    return listener.didResolveOperation({ request: { variables }, document }).then(
      () => 'accepted',
      (error: GraphQLError) => error.extensions.code,
    );
  };

  it('refuses a document with an ill-formed literal every time it comes (only well-formed documents are remembered)', async () => {
    const plugin = wellFormedInputPlugin();
    // graphql-js refuses such a literal when it parses; a document built otherwise (a persisted or cached AST) may still hold one.
    const bad = visit(parse('{ a(x: "ok") }'), { [Kind.STRING]: (node) => ({ ...node, value: 'a\ud800' }) });
    expect(await check(plugin, bad)).toBe('BAD_USER_INPUT');
    expect(await check(plugin, bad)).toBe('BAD_USER_INPUT');
  });

  it('still checks the variables of a document it has seen well-formed', async () => {
    const plugin = wellFormedInputPlugin();
    const good = parse('query($x: String) { a(x: $x) }');
    expect(await check(plugin, good, { x: 'ok' })).toBe('accepted');
    expect(await check(plugin, good, { x: 'a\ud800' })).toBe('BAD_USER_INPUT');
  });
});
