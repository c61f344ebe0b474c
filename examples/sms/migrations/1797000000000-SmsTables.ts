import { MigrationInterface, QueryRunner } from 'typeorm';

/** The SMS method's own tables. Runs with Twofold's migrations (at start, or with --migrate). */
export class SmsTables1797000000000 implements MigrationInterface {
  name = 'SmsTables1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `sms_phones` (`userId` varchar(36) NOT NULL, `phone` varchar(16) NOT NULL, `confirmedAt` datetime(3) NOT NULL, PRIMARY KEY (`userId`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      'CREATE TABLE `sms_codes` (`challengeId` varchar(36) NOT NULL, `userId` varchar(36) NOT NULL, `purpose` varchar(16) NOT NULL, `salt` varchar(32) NOT NULL, `digest` varchar(64) NOT NULL, `expiresAt` datetime(3) NOT NULL, `usedAt` datetime(3) NULL, INDEX `IDX_sms_codes_expires` (`expiresAt`), PRIMARY KEY (`challengeId`)) ENGINE=InnoDB',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `sms_codes`');
    await queryRunner.query('DROP TABLE `sms_phones`');
  }
}
