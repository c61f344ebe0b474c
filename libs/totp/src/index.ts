export * from './base32';
export * from './otpauth';
export * from './totp';
