import {
  ASTVisitor,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';
import { ErrorCode } from '../common/errors/error-code';

/**
 * What one GraphQL document may ask for. Checked before anything runs; a
 * refusal is a validation error that names BAD_USER_INPUT itself (the
 * document is valid but too big; GRAPHQL_VALIDATION_FAILED is for documents
 * that ask for what the schema does not have).
 */
export const GRAPHQL_LIMITS = {
  /** Nested fields over the schema's own types: `{ me { twoFactor { methods } } }` is 3. */
  maxDepth: 10,
  /**
   * Nesting inside `__schema` / `__type`, counted from the root. GraphiQL's
   * standard introspection query reaches exactly 15 (`__schema types fields
   * args type` and its TypeRef fragment nesting `ofType` nine times); a
   * deeper crawl is refused (graphql's own MaxIntrospectionDepthRule also
   * refuses `fields { type { fields …` loops).
   */
  maxIntrospectionDepth: 15,
  /** Fields in the selected operation, fragments expanded (the IDE's introspection query has between 200 and 300). */
  maxFields: 500,
  /**
   * Aliased fields per operation. Mutation fields run one after another and
   * each alias is counted by the rate limit and the per-account attempt
   * counter, so an aliased brute force gains nothing; 30 keeps batches small.
   */
  maxAliases: 30,
  /** Directives per operation. */
  maxDirectives: 30,
  /** Lexical tokens in the document: stops huge documents before validation (graphql's parse option). */
  maxTokens: 3000,
} as const;

export type GraphQLLimits = { -readonly [K in keyof typeof GRAPHQL_LIMITS]: number };

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Thrown inside the walk to stop it at the first limit passed. */
class LimitReached extends Error {
  constructor(readonly graphqlError: GraphQLError) {
    super(graphqlError.message);
  }
}

interface Counts {
  fields: number;
  aliases: number;
  directives: number;
  /** Every node visited: bounds the work of expanding fragments. */
  visits: number;
}

/**
 * One validation rule for depth, field, alias and directive counts. It
 * walks each operation with fragments expanded (guarding against cycles,
 * which graphql's own rule reports) and stops at the first limit passed, so
 * the walk itself costs at most `maxFields` steps.
 */
export function operationLimitsRule(limits: GraphQLLimits = GRAPHQL_LIMITS): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const check = (operation: OperationDefinitionNode) => {
      const counts: Counts = { fields: 0, aliases: 0, directives: 0, visits: 0 };
      const fail = (message: string, node: { loc?: unknown } = operation): never => {
        throw new LimitReached(
          new GraphQLError(message, { nodes: [node as OperationDefinitionNode], extensions: { code: ErrorCode.BAD_USER_INPUT } }),
        );
      };

      const walk = (selectionSet: SelectionSetNode, depth: number, introspection: boolean, fragments: string[]) => {
        for (const selection of selectionSet.selections) {
          if (++counts.visits > limits.maxFields * 4) fail(`The query is too large: at most ${limits.maxFields} fields are allowed.`);
          counts.directives += selection.directives?.length ?? 0;
          if (counts.directives > limits.maxDirectives) {
            fail(`The query has too many directives: at most ${limits.maxDirectives} are allowed.`, selection);
          }
          switch (selection.kind) {
            case Kind.FIELD: {
              const fieldDepth = depth + 1;
              const inIntrospection = introspection || INTROSPECTION_ROOTS.has(selection.name.value);
              if (inIntrospection ? fieldDepth > limits.maxIntrospectionDepth : fieldDepth > limits.maxDepth) {
                const max = inIntrospection ? limits.maxIntrospectionDepth : limits.maxDepth;
                fail(`The query is too deep: fields may be nested at most ${max} levels.`, selection);
              }
              if (++counts.fields > limits.maxFields) {
                fail(`The query is too large: at most ${limits.maxFields} fields are allowed.`, selection);
              }
              if (selection.alias && ++counts.aliases > limits.maxAliases) {
                fail(`The query has too many aliases: at most ${limits.maxAliases} are allowed.`, selection);
              }
              if (selection.selectionSet) walk(selection.selectionSet, fieldDepth, inIntrospection, fragments);
              break;
            }
            case Kind.INLINE_FRAGMENT:
              walk(selection.selectionSet, depth, introspection, fragments);
              break;
            case Kind.FRAGMENT_SPREAD: {
              const name = selection.name.value;
              if (fragments.includes(name)) break; // a cycle: NoFragmentCyclesRule reports it
              const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
              if (fragment) {
                counts.directives += fragment.directives?.length ?? 0;
                walk(fragment.selectionSet, depth, introspection, [...fragments, name]);
              }
              break;
            }
          }
        }
      };

      counts.directives += operation.directives?.length ?? 0;
      walk(operation.selectionSet, 0, false, []);
    };

    return {
      OperationDefinition(operation) {
        try {
          check(operation);
        } catch (error) {
          if (error instanceof LimitReached) context.reportError(error.graphqlError);
          else throw error;
        }
        return false; // the walk above has seen everything below
      },
    };
  };
}
