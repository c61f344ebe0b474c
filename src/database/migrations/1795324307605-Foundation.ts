import { MigrationInterface, QueryRunner } from "typeorm";

export class Foundation1795324307605 implements MigrationInterface {
    name = 'Foundation1795324307605'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`sessions\` (\`id\` varchar(36) NOT NULL, \`tokenHash\` varchar(64) NOT NULL, \`userId\` varchar(36) NOT NULL, \`stage\` varchar(24) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, \`absoluteExpiresAt\` datetime(3) NOT NULL, \`revokedAt\` datetime(3) NULL, \`ip\` varchar(45) NULL, \`userAgent\` varchar(512) NULL, UNIQUE INDEX \`UQ_sessions_token\` (\`tokenHash\`), INDEX \`IDX_sessions_expires\` (\`expiresAt\`), INDEX \`IDX_sessions_user\` (\`userId\`, \`revokedAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`login_throttles\` (\`throttleKey\` varchar(100) NOT NULL, \`failures\` int NOT NULL DEFAULT '0', \`lastFailureAt\` datetime(3) NOT NULL, \`blockedUntil\` datetime(3) NULL, PRIMARY KEY (\`throttleKey\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`security_events\` (\`id\` int NOT NULL AUTO_INCREMENT, \`type\` varchar(48) NOT NULL, \`userId\` varchar(36) NULL, \`actorId\` varchar(36) NULL, \`ip\` varchar(45) NULL, \`userAgent\` varchar(512) NULL, \`details\` text NULL, \`createdAt\` datetime(3) NOT NULL, INDEX \`IDX_security_events_user\` (\`userId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`users\` (\`id\` varchar(36) NOT NULL, \`email\` varchar(254) NOT NULL, \`passwordHash\` varchar(255) NOT NULL, \`displayName\` varchar(100) NULL, \`role\` varchar(32) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_users_email\` (\`email\`), INDEX \`IDX_users_created\` (\`createdAt\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_users_created\` ON \`users\``);
        await queryRunner.query(`DROP INDEX \`UQ_users_email\` ON \`users\``);
        await queryRunner.query(`DROP TABLE \`users\``);
        await queryRunner.query(`DROP INDEX \`IDX_security_events_user\` ON \`security_events\``);
        await queryRunner.query(`DROP TABLE \`security_events\``);
        await queryRunner.query(`DROP TABLE \`login_throttles\``);
        await queryRunner.query(`DROP INDEX \`IDX_sessions_user\` ON \`sessions\``);
        await queryRunner.query(`DROP INDEX \`IDX_sessions_expires\` ON \`sessions\``);
        await queryRunner.query(`DROP INDEX \`UQ_sessions_token\` ON \`sessions\``);
        await queryRunner.query(`DROP TABLE \`sessions\``);
    }

}
