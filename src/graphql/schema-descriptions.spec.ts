import { buildSchema, GraphQLNamedType, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecurityEventType } from '../modules/security-events/security-event-type';

/** The committed schema, which test/schema-file.e2e-spec.ts keeps equal to what the code generates. */
const schema = buildSchema(readFileSync(join(__dirname, '../../schema.gql'), 'utf8'));

/** Every type, field, argument, input field and enum value of the schema, with its description. */
function describables(): Array<{ path: string; description: string | null | undefined }> {
  const out: Array<{ path: string; description: string | null | undefined }> = [];
  const types = Object.values(schema.getTypeMap()).filter((t: GraphQLNamedType) => !t.name.startsWith('__') && !isSpecifiedScalarType(t));
  for (const type of types) {
    out.push({ path: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({ path: `${type.name}.${field.name}`, description: field.description });
        for (const arg of 'args' in field ? field.args : []) out.push({ path: `${type.name}.${field.name}(${arg.name})`, description: arg.description });
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) out.push({ path: `${type.name}.${value.name}`, description: value.description });
  }
  return out;
}

describe('schema.gql is described', () => {
  it('every type, field, argument and enum value has a description (100 %)', () => {
    const all = describables();
    const missing = all.filter((d) => !d.description?.trim()).map((d) => d.path);
    const coverage = Math.floor(((all.length - missing.length) / all.length) * 1000) / 10;
    expect({ coverage, missing }).toEqual({ coverage: 100, missing: [] });
    // Not a vacuous pass: the walk reaches fields, arguments and enum values.
    expect(all.length).toBeGreaterThan(200);
    expect(all.map((d) => d.path)).toEqual(expect.arrayContaining(['Query.users(role)', 'SessionStage.AUTHENTICATED', 'UserPage.totalCount']));
  });

  it('SecurityEvent.type lists every type that exists, and details is described', () => {
    const fields = schema.getType('SecurityEvent') as import('graphql').GraphQLObjectType;
    const type = fields.getFields().type.description ?? '';
    for (const name of Object.values(SecurityEventType)) expect(type).toContain(name);
    expect(fields.getFields().details.description).toMatch(/JSON/);
  });
});
