import { Role } from './role';
import { SessionStage } from './session-stage';

/** Who is calling, as the bearer strategy resolved it; set on `req.user`. */
export interface Principal {
  sessionId: string;
  stage: SessionStage;
  sessionExpiresAt: Date;
  userId: string;
  email: string;
  role: Role;
  /** When the user last entered the password or a second factor in this session (recent authentication). */
  verifiedAt: Date | null;
}
