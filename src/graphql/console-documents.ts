/**
 * The GraphQL documents the console's sign-in panel (console/console.js)
 * sends. They live here, not in the browser script, so that
 * ide-tabs.spec.ts can check them against schema.gql.
 */
const CHALLENGE = 'methods emailSentTo attemptsRemaining expiresAt resendAvailableAt retryAvailableAt rememberDeviceDays';
const USER = 'id email role';
const ENROLLED = `backupCodes session { stage sessionToken expiresAt user { ${USER} } }`;
const EMAIL_ENROLLMENT = 'sentTo expiresAt resendAvailableAt';

export const CONSOLE_DOCUMENTS = {
  signIn: `mutation ConsoleSignIn($input: SignInInput!) {
  signIn(input: $input) { stage sessionToken expiresAt user { ${USER} } challenge { ${CHALLENGE} } }
}`,
  verifyTwoFactor: `mutation ConsoleVerifyTwoFactor($input: VerifyTwoFactorInput!) {
  verifyTwoFactor(input: $input) { stage sessionToken expiresAt user { ${USER} } }
}`,
  resendTwoFactorCode: `mutation ConsoleResendTwoFactorCode { resendTwoFactorCode { ${CHALLENGE} } }`,
  cancelSignIn: `mutation ConsoleCancelSignIn { cancelSignIn }`,
  signOut: `mutation ConsoleSignOut { signOut }`,
  passkeyOptions: `query ConsolePasskeyOptions { currentSession { challenge { passkeyOptions } } }`,
  currentSession: `query ConsoleCurrentSession { currentSession { stage expiresAt challenge { ${CHALLENGE} } } }`,
  me: `query ConsoleMe { me { ${USER} } }`,
  startEmailEnrollment: `mutation ConsoleStartEmailEnrollment { startEmailEnrollment { ${EMAIL_ENROLLMENT} } }`,
  resendEmailEnrollmentCode: `mutation ConsoleResendEmailEnrollmentCode { resendEmailEnrollmentCode { ${EMAIL_ENROLLMENT} } }`,
  confirmEmailEnrollment: `mutation ConsoleConfirmEmailEnrollment($code: String!) { confirmEmailEnrollment(code: $code) { ${ENROLLED} } }`,
  startAuthenticatorEnrollment: `mutation ConsoleStartAuthenticatorEnrollment { startAuthenticatorEnrollment { secret otpauthUri qrCodeDataUrl expiresAt } }`,
  confirmAuthenticatorEnrollment: `mutation ConsoleConfirmAuthenticatorEnrollment($code: String!) { confirmAuthenticatorEnrollment(code: $code) { ${ENROLLED} } }`,
};
