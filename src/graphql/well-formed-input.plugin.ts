import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, GraphQLError, Kind, visit } from 'graphql';

/** With the u flag a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const wellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Where the first string that is not well-formed Unicode (a lone surrogate) sits, or null. */
export function findIllFormedString(value: unknown, path = 'variables', depth = 0): string | null {
  if (typeof value === 'string') return wellFormed(value) ? null : path;
  if (value === null || typeof value !== 'object' || depth > 20) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedString(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = findIllFormedString(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses, before any resolver runs, a request whose variables or string
 * literals hold text that is not valid Unicode (a lone UTF-16 surrogate):
 * no real input contains one, and libraries downstream (validators,
 * encoders, the database) fail on it in their own ways. BAD_USER_INPUT.
 */
export function wellFormedInputPlugin(): ApolloServerPlugin {
  // Apollo parses a document once and hands the same object to every request that sends it: its literals are checked once.
  const wellFormedDocuments = new WeakSet<DocumentNode>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let where = findIllFormedString(request.variables ?? {});
          if (!where && !wellFormedDocuments.has(document)) {
            visit(document, {
              [Kind.STRING](node) {
                if (!where && !wellFormed(node.value)) where = `a string at line ${node.loc?.startToken.line ?? '?'}`;
              },
            });
            if (!where) wellFormedDocuments.add(document);
          }
          if (where) {
            throw new GraphQLError(`The request holds text that is not valid Unicode (${where}).`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
