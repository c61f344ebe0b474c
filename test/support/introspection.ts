import { TestApp } from './app';

/** The schema as the running app introspects it: what the access-matrix and bad-input tests walk. */
export interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
export interface InputValue {
  name: string;
  type: TypeRef;
  defaultValue: string | null;
}
export interface FieldInfo {
  name: string;
  args: InputValue[];
  type: TypeRef;
}
export interface TypeInfo {
  kind: string;
  name: string;
  fields: FieldInfo[] | null;
  inputFields: InputValue[] | null;
  enumValues: Array<{ name: string }> | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECTION = `{ __schema { types { kind name
  fields { name type { ${TYPE_REF} } args { name defaultValue type { ${TYPE_REF} } } }
  inputFields { name defaultValue type { ${TYPE_REF} } }
  enumValues { name } } } }`;

/** Every type of the app's schema, by name. */
export async function schemaTypes(t: TestApp): Promise<Map<string, TypeInfo>> {
  const schema = await t.gql(INTROSPECTION);
  return new Map((schema.data.__schema.types as TypeInfo[]).map((type) => [type.name, type]));
}
