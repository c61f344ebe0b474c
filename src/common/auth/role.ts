import { registerEnumType } from '@nestjs/graphql';

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do.',
  valuesMap: {
    ADMIN: { description: 'Manages users, the policy and the mail server, and reads every security event.' },
    AGENT: { description: 'Manages their own account only.' },
  },
});
