import { registerEnumType } from '@nestjs/graphql';

export enum SessionStage {
  PENDING_TWO_FACTOR = 'PENDING_TWO_FACTOR',
  PENDING_ENROLLMENT = 'PENDING_ENROLLMENT',
  AUTHENTICATED = 'AUTHENTICATED',
}

registerEnumType(SessionStage, { name: 'SessionStage' });

export const ALL_STAGES: readonly SessionStage[] = Object.values(SessionStage);
