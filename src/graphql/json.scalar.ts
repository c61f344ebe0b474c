import { CustomScalar, Scalar } from '@nestjs/graphql';
import { Kind, ValueNode } from 'graphql';

/** Deepest nesting a JSON value may have: WebAuthn's JSON forms need a handful of levels. */
const MAX_DEPTH = 8;

function fromLiteral(node: ValueNode, variables: Record<string, unknown> | null | undefined, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TypeError('JSON value nested too deeply');
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((value) => fromLiteral(value, variables, depth + 1));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, fromLiteral(field.value, variables, depth + 1)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value] ?? null;
    default:
      throw new TypeError(`JSON cannot represent a ${node.kind}`);
  }
}

function checkDepth(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new TypeError('JSON value nested too deeply');
  if (Array.isArray(value)) value.forEach((item) => checkDepth(item, depth + 1));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((item) => checkDepth(item, depth + 1));
  return value;
}

/** The TypeScript side of the JSON scalar: `@Field(() => JsonValue)`. */
export class JsonValue {}

/**
 * The JSON scalar (the WebAuthn options and responses). A class scalar, so
 * that Nest builds the GraphQLScalarType from its own graphql module (the
 * package can be loaded twice, as CommonJS and as ESM).
 */
@Scalar('JSON', () => JsonValue)
export class JsonScalar implements CustomScalar<unknown, unknown> {
  description = 'A JSON value (object, array, string, number, boolean). Used for the WebAuthn options and responses.';

  parseValue(value: unknown): unknown {
    return checkDepth(value);
  }

  serialize(value: unknown): unknown {
    return value;
  }

  parseLiteral(node: ValueNode, variables?: Record<string, unknown> | null): unknown {
    return fromLiteral(node, variables, 0);
  }
}
