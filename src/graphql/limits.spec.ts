import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, ValidationContext } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHQL_LIMITS, operationLimitsRule } from './limits';

const schema = buildSchema(`
  type Node { id: ID! child: Node name: String }
  type Query { node: Node nodes: [Node!]! }
  type Mutation { verify(code: String!): Boolean! }
`);

const errorsOf = (query: string) => validate(schema, parse(query), [...specifiedRules, operationLimitsRule()]).map((e) => e.message);

const nested = (levels: number) => `{ node ${'{ child '.repeat(levels - 2)}{ id }${' }'.repeat(levels - 2)} }`;

describe('operationLimitsRule', () => {
  it('allows the standard introspection query, as graphql and GraphiQL write it', () => {
    expect(errorsOf(getIntrospectionQuery())).toEqual([]);
    expect(errorsOf(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }))).toEqual([]);
  });

  it('refuses an introspection crawl deeper than the limit', () => {
    const deep = (levels: number) => `{ __schema { types { ${'fields { type { '.repeat(levels)}name${' } }'.repeat(levels)} } } }`;
    expect(errorsOf(deep(2))).toEqual([]);
    expect(errorsOf(deep(25))).toContain('The query is too deep: fields may be nested at most 15 levels.');
    const ofType = (levels: number) => `{ __type(name: "Node") { ${'ofType { '.repeat(levels)}name${' }'.repeat(levels)} } }`;
    expect(errorsOf(ofType(50))[0]).toMatch(/too deep/);
  });

  it('allows 10 levels of the schema types and refuses 11 and 50', () => {
    expect(errorsOf(nested(10))).toEqual([]);
    expect(errorsOf(nested(11))[0]).toMatch(/nested at most 10 levels/);
    expect(errorsOf(nested(50))[0]).toMatch(/too deep/);
  });

  it('counts depth through fragments and inline fragments', () => {
    const query = `query { node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } } fragment B on Node { ${'child { '.repeat(7)}id${' }'.repeat(7)} }`;
    expect(errorsOf(query)[0]).toMatch(/too deep/);
  });

  it('caps aliases: 30 pass, 31 are refused', () => {
    const aliases = (n: number) => `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: verify(code: "123456")`).join(' ')} }`;
    expect(errorsOf(aliases(GRAPHQL_LIMITS.maxAliases))).toEqual([]);
    expect(errorsOf(aliases(GRAPHQL_LIMITS.maxAliases + 1))[0]).toMatch(/too many aliases/);
  });

  it('caps fields, and stops early on fragments that multiply', () => {
    const wide = `{ nodes { ${Array.from({ length: 260 }, () => 'id name').join(' ')} } }`;
    expect(errorsOf(wide).some((m) => /too large/.test(m))).toBe(true);
    // Each fragment spreads the next twice: 2^30 fields if expanded.
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Node { id ...F${i + 1} child { ...F${i + 1} } }`).join(' ');
    const bomb = `{ node { ...F0 } } ${fragments} fragment F30 on Node { id }`;
    // The walk's work, counted in fragment lookups rather than timed: bounded by the field limit, not 2^30.
    let lookups = 0;
    const countingLookups = (context: ValidationContext) => {
      const getFragment = context.getFragment.bind(context);
      context.getFragment = (name) => {
        if (++lookups > GRAPHQL_LIMITS.maxFields * 40) throw new Error(`the walk did not stop: ${lookups} fragment lookups`);
        return getFragment(name);
      };
      return operationLimitsRule()(context);
    };
    const errors = validate(schema, parse(bomb), [...specifiedRules, countingLookups]).map((e) => e.message);
    expect(errors.some((m) => /too (large|deep)/.test(m))).toBe(true);
    expect(lookups).toBeLessThanOrEqual(GRAPHQL_LIMITS.maxFields * 4);
  });

  it('survives fragment cycles (graphql reports them)', () => {
    const errors = errorsOf(`{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }`);
    expect(errors.some((m) => /Cannot spread fragment/.test(m))).toBe(true);
  });
});
