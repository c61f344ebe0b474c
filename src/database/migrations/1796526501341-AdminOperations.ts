import { MigrationInterface, QueryRunner } from "typeorm";

export class AdminOperations1796526501341 implements MigrationInterface {
    name = 'AdminOperations1796526501341'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` ADD \`enrollmentGraceDays\` int NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`lastSeenAt\` datetime(3) NULL`);
        await queryRunner.query(`ALTER TABLE \`users\` ADD \`disabled\` tinyint NOT NULL DEFAULT 0`);
        await queryRunner.query(`ALTER TABLE \`users\` ADD \`lastSignInAt\` datetime(3) NULL`);
        await queryRunner.query(`ALTER TABLE \`users\` ADD \`twoFactorEnabled\` tinyint NOT NULL DEFAULT 0`);
        await queryRunner.query(`ALTER TABLE \`users\` ADD \`twoFactorRequiredSince\` datetime(3) NULL`);
        await queryRunner.query(`ALTER TABLE \`users\` ADD \`enrollmentRemindersSent\` tinyint NOT NULL DEFAULT '0'`);
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_ip\` ON \`security_events\` (\`ip\`, \`createdAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_type\` ON \`security_events\` (\`type\`, \`createdAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_user_created\` ON \`security_events\` (\`userId\`, \`createdAt\`)`);
        // Replaced by IDX_security_events_user_created (pages are ordered by createdAt now): dropped once that exists.
        await queryRunner.query(`DROP INDEX \`IDX_security_events_user\` ON \`security_events\``);
        await queryRunner.query(`CREATE INDEX \`IDX_users_enrollment_due\` ON \`users\` (\`twoFactorEnabled\`, \`enrollmentRemindersSent\`, \`twoFactorRequiredSince\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_users_filters\` ON \`users\` (\`role\`, \`disabled\`, \`twoFactorEnabled\`, \`createdAt\`, \`id\`)`);
        // What the new columns say of the users there are.
        await queryRunner.query(
            `UPDATE \`users\` u SET u.\`twoFactorEnabled\` = 1 WHERE EXISTS (SELECT 1 FROM \`two_factor_methods\` m WHERE m.\`userId\` = u.\`id\`)`,
        );
        // One index dive per user (IDX_security_events_user_type): their last SIGN_IN_SUCCEEDED still kept.
        await queryRunner.query(
            `UPDATE \`users\` u SET u.\`lastSignInAt\` = (SELECT MAX(e.\`createdAt\`) FROM \`security_events\` e WHERE e.\`userId\` = u.\`id\` AND e.\`type\` = 'SIGN_IN_SUCCEEDED')`,
        );
        // Users the requirement covers now: covered since the policy last changed (the best moment known).
        await queryRunner.query(
            `UPDATE \`users\` u JOIN \`two_factor_policy\` p ON p.\`id\` = 1 SET u.\`twoFactorRequiredSince\` = p.\`updatedAt\`
              WHERE p.\`requirement\` = 'REQUIRED_FOR_ALL' OR (p.\`requirement\` = 'REQUIRED_FOR_ADMINS' AND u.\`role\` = 'ADMIN')`,
        );
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_users_filters\` ON \`users\``);
        await queryRunner.query(`DROP INDEX \`IDX_users_enrollment_due\` ON \`users\``);
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_user\` ON \`security_events\` (\`userId\`, \`id\`)`);
        await queryRunner.query(`DROP INDEX \`IDX_security_events_user_created\` ON \`security_events\``);
        await queryRunner.query(`DROP INDEX \`IDX_security_events_type\` ON \`security_events\``);
        await queryRunner.query(`DROP INDEX \`IDX_security_events_ip\` ON \`security_events\``);
        await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`enrollmentRemindersSent\``);
        await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`twoFactorRequiredSince\``);
        await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`twoFactorEnabled\``);
        await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`lastSignInAt\``);
        await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`disabled\``);
        await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`lastSeenAt\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` DROP COLUMN \`enrollmentGraceDays\``);
    }

}
