import { ClientInfo } from '../../common/http/request-context';
import { UserEntity } from '../users/entities/user.entity';
import { AuthPayloadModel } from './models/auth-payload.model';

export interface SignInContext {
  client: ClientInfo;
  /** From SignInInput or the trusted-device cookie. */
  trustedDeviceToken: string | null;
}

/**
 * What happens once the password is right: which stage the new session gets
 * (AUTHENTICATED, PENDING_TWO_FACTOR with a challenge, PENDING_ENROLLMENT).
 * The challenge module provides it, and its signIn mutation runs it after
 * AuthService.signIn checked the password. Same-named injection token.
 */
export interface SignInFlow {
  /**
   * Optional: finds the user by (normalised) email for AuthService, before
   * the password is checked, and may read what afterPassword needs in the
   * same statement. Without it, UsersService.findByEmail.
   */
  findUser?(normalizedEmail: string): Promise<UserEntity | null>;
  afterPassword(user: UserEntity, context: SignInContext): Promise<AuthPayloadModel>;
}

export const SignInFlow = Symbol('SignInFlow');
