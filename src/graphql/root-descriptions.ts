import { GraphQLSchema } from 'graphql';

/**
 * Descriptions of the root types, which code-first Nest cannot declare: set
 * on the built schema (GraphQLModule's transformSchema, also applied to the
 * written schema.gql), so that every type is described (schema-descriptions.spec.ts).
 */
export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) query.description = 'Reads. Each field says which session stage and role it needs (AUTHENTICATED unless it says otherwise).';
  if (mutation) mutation.description = 'Changes. Each field says which session stage and role it needs (AUTHENTICATED unless it says otherwise).';
  return schema;
}
