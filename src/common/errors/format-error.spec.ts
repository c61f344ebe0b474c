import { describe, expect, it } from 'vitest';
import { fieldOf } from './format-error';

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
