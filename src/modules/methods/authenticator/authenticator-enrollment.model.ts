import { Field, ObjectType } from '@nestjs/graphql';

/** Shown once, while the enrollment is pending: after confirmation the secret is never readable again. */
@ObjectType('AuthenticatorEnrollment', { description: 'An authenticator-app enrollment in progress: add the secret to the app, then confirm with a code.' })
export class AuthenticatorEnrollmentModel {
  @Field({ description: 'Base32 secret for manual entry into the app.' })
  secret: string;

  @Field({ description: 'otpauth://totp/ISSUER:EMAIL?secret=…&issuer=ISSUER&algorithm=SHA1&digits=6&period=30' })
  otpauthUri: string;

  @Field({ description: 'data:image/png;base64,… a QR code of otpauthUri.' })
  qrCodeDataUrl: string;

  @Field({ description: 'When this enrollment expires unless confirmed.' })
  expiresAt: Date;
}
