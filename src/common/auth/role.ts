import { registerEnumType } from '@nestjs/graphql';

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}

registerEnumType(Role, { name: 'Role' });
