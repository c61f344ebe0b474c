import { Foundation1795324307605 } from './1795324307605-Foundation';
import { Policy1795324623976 } from './1795324623976-Policy';

/**
 * Every migration, in order. To add one: `scripts/generate-migration.sh Name`
 * writes it from the entity changes; then append its class here.
 */
export const ALL_MIGRATIONS: Function[] = [
  Foundation1795324307605,
  Policy1795324623976,
];
