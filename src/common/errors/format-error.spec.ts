import { buildSchema, GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationLimitsRule } from '../../graphql/limits';
import { fieldOf, formatGraphQLError } from './format-error';

describe('fieldOf: the field graphql-js names in its own messages', () => {
  it.each([
    ['Variable "$input" got invalid value 5 at "input.email"; String cannot represent a non string value: 5', 'email'],
    ['Variable "$input" got invalid value { password: "x" }; Field "email" of required type "String!" was not provided.', 'email'],
    ['Variable "$input" got invalid value { email: "a", bogus: 1 }; Field "bogus" is not defined by type "SignInInput".', 'bogus'],
    ['Variable "$code" of required type "String!" was not provided.', 'code'],
    ['Variable "$input" got invalid value 5 at "input.nested[0].code"; String cannot represent a non string value: 5', 'code'],
    ['Field "SignInInput.email" of required type "String!" was not provided.', 'email'],
    ['Field "a" argument "code" of type "String!" is required, but it was not provided.', 'code'],
    ['String cannot represent a non string value: 5', undefined],
    ['Syntax Error: Expected Name, found <EOF>.', undefined],
  ])('%s → %s', (message, field) => {
    expect(fieldOf(message)).toBe(field);
  });
});

const schema = buildSchema(`
  input SignInInput { email: String! password: String! }
  type Query { me: String }
  type Mutation { signIn(input: SignInInput!): String verify(code: String!): Boolean }
`);

/** What Apollo hands the formatter for a document that fails validation: its ValidationError around graphql's error. */
function validationErrors(query: string) {
  return validate(schema, parse(query), [...specifiedRules, operationLimitsRule()]).map((original) => {
    const wrapped = new GraphQLError(original.message, {
      nodes: original.nodes,
      originalError: original,
      extensions: { ...original.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    return formatGraphQLError({ message: wrapped.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, wrapped);
  });
}

/** What Apollo hands the formatter for an error it raised itself, before enriching it with a code. */
function apolloRefusal(message: string, extensions: Record<string, unknown>) {
  const raw = new GraphQLError(message, { extensions });
  return formatGraphQLError({ message, extensions: { code: (extensions.code as string) ?? 'INTERNAL_SERVER_ERROR' } }, raw);
}

describe('formatGraphQLError: requests refused before any resolver ran', () => {
  it('a document that does not parse: GRAPHQL_PARSE_FAILED', () => {
    expect(apolloRefusal('Syntax Error: Expected Name, found <EOF>.', { code: 'GRAPHQL_PARSE_FAILED' }).extensions).toEqual({
      code: 'GRAPHQL_PARSE_FAILED',
    });
  });

  it.each([
    ['an unknown field', '{ nope }'],
    ['an unknown argument', '{ me(x: 1) }'],
    ['an unknown type', 'mutation($i: Nope!) { signIn(input: $i) }'],
    ['an unknown directive', '{ me @nope }'],
    ['a variable in the wrong position', 'mutation($i: Int) { signIn(input: $i) }'],
    ['two anonymous operations', '{ me } { me }'],
  ])('%s: GRAPHQL_VALIDATION_FAILED', (_, query) => {
    const [first] = validationErrors(query);
    expect(first.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it.each([
    ['a literal of the wrong type', 'mutation { signIn(input: { email: 12, password: "x" }) }', undefined],
    ['an unknown field of an input literal', 'mutation { signIn(input: { email: "a", password: "b", zz: 1 }) }', 'zz'],
    ['a missing input field', 'mutation { signIn(input: { email: "a" }) }', 'password'],
    ['a missing required argument', 'mutation { verify }', 'code'],
  ])('%s: BAD_USER_INPUT, like the same mistake in a variable', (_, query, field) => {
    const [first] = validationErrors(query);
    expect(first.extensions).toEqual({ code: 'BAD_USER_INPUT', ...(field && { field }) });
  });

  it('a limit passed (aliases, tokens): BAD_USER_INPUT', () => {
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me`).join(' ')} }`;
    expect(validationErrors(aliases)[0]).toMatchObject({ message: expect.stringMatching(/too many aliases/), extensions: { code: 'BAD_USER_INPUT' } });
    const tokens = apolloRefusal('Syntax Error: Document contains more that 3000 tokens. Parsing aborted.', { code: 'GRAPHQL_PARSE_FAILED' });
    expect(tokens.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it("Apollo's refusals without a code (persisted queries) are BAD_USER_INPUT, not INTERNAL_SERVER_ERROR", () => {
    for (const message of ['Unsupported persisted query version', 'provided sha does not match query']) {
      expect(apolloRefusal(message, { http: { status: 400, headers: new Map() } })).toEqual({ message, extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect(apolloRefusal('PersistedQueryNotFound', { code: 'PERSISTED_QUERY_NOT_FOUND' }).extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(apolloRefusal('POST body missing.', { code: 'BAD_REQUEST' }).extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('anything else without a code is still a bug: INTERNAL_SERVER_ERROR, without the details', () => {
    const bug = new GraphQLError('Cannot read properties of undefined', { originalError: new TypeError('Cannot read properties of undefined') });
    expect(formatGraphQLError({ message: bug.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, bug)).toEqual({
      message: 'Internal server error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    // A 5xx from Apollo itself is not the client's fault either.
    expect(apolloRefusal('boom', { http: { status: 500 } }).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});
