import { Foundation1795324307605 } from './1795324307605-Foundation';
import { Policy1795324623976 } from './1795324623976-Policy';
import { TrustedDevices1795325102861 } from './1795325102861-TrustedDevices';
import { Mail1795325385593 } from './1795325385593-Mail';
import { Enrollment1795325412024 } from './1795325412024-Enrollment';
import { Challenge1795325444226 } from './1795325444226-Challenge';
import { ChallengeCodeSends1795327340557 } from './1795327340557-ChallengeCodeSends';
import { RetentionIndexes1796181322022 } from './1796181322022-RetentionIndexes';
import { OutboxSupersede1796185994104 } from './1796185994104-OutboxSupersede';
import { KnownClientIndex1796186614223 } from './1796186614223-KnownClientIndex';
import { TrustedDeviceRetiredTokens1796523261641 } from './1796523261641-TrustedDeviceRetiredTokens';
import { HashingKeys1796523261642 } from './1796523261642-HashingKeys';
import { RoundTwoCore1796523641363 } from './1796523641363-RoundTwoCore';
import { AdminOperations1796526501341 } from './1796526501341-AdminOperations';
import { Passkeys1796526905787 } from './1796526905787-Passkeys';
import { SecurityEventsBigintId1796540000000 } from './1796540000000-SecurityEventsBigintId';

/**
 * Every migration, in order. To add one: `scripts/generate-migration.sh Name`
 * writes it from the entity changes; then append its class here.
 */
export const ALL_MIGRATIONS: Function[] = [
  Foundation1795324307605,
  Policy1795324623976,
  TrustedDevices1795325102861,
  Mail1795325385593,
  Enrollment1795325412024,
  Challenge1795325444226,
  ChallengeCodeSends1795327340557,
  RetentionIndexes1796181322022,
  OutboxSupersede1796185994104,
  KnownClientIndex1796186614223,
  TrustedDeviceRetiredTokens1796523261641,
  HashingKeys1796523261642,
  RoundTwoCore1796523641363,
  AdminOperations1796526501341,
  Passkeys1796526905787,
  SecurityEventsBigintId1796540000000,
];
