import { registerEnumType } from '@nestjs/graphql';

export enum SessionStage {
  PENDING_TWO_FACTOR = 'PENDING_TWO_FACTOR',
  PENDING_ENROLLMENT = 'PENDING_ENROLLMENT',
  AUTHENTICATED = 'AUTHENTICATED',
}

registerEnumType(SessionStage, {
  name: 'SessionStage',
  description: 'How far a sign-in got, and so what its token may do.',
  valuesMap: {
    PENDING_TWO_FACTOR: { description: 'Password accepted, a second factor owed: only currentSession, verifyTwoFactor, resendTwoFactorCode, cancelSignIn, signOut.' },
    PENDING_ENROLLMENT: { description: 'Password accepted, the policy requires 2FA and the user has none (grace over): only currentSession, me, enrollment, cancelSignIn, signOut.' },
    AUTHENTICATED: { description: "Signed in: everything the user's role allows." },
  },
});

export const ALL_STAGES: readonly SessionStage[] = Object.values(SessionStage);
