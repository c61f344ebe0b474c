import { MigrationInterface, QueryRunner } from "typeorm";

export class Enrollment1795325412024 implements MigrationInterface {
    name = 'Enrollment1795325412024'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`admin_backup_codes\` (\`userId\` varchar(36) NOT NULL, \`salt\` varchar(32) NOT NULL, \`codeDigest\` varchar(64) NOT NULL, \`issuedBy\` varchar(36) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, \`usedAt\` datetime(3) NULL, PRIMARY KEY (\`userId\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`backup_codes\` (\`id\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`salt\` varchar(32) NOT NULL, \`codeDigest\` varchar(64) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`usedAt\` datetime(3) NULL, INDEX \`IDX_backup_codes_user\` (\`userId\`, \`usedAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`two_factor_enrollments\` (\`id\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`method\` varchar(32) NOT NULL, \`sealedSecret\` varchar(255) NULL, \`attempts\` int NOT NULL DEFAULT '0', \`lastSentAt\` datetime(3) NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_two_factor_enrollments_user_method\` (\`userId\`, \`method\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`authenticator_secrets\` (\`userId\` varchar(36) NOT NULL, \`sealedSecret\` varchar(255) NOT NULL, \`lastUsedStep\` int NULL, \`createdAt\` datetime(3) NOT NULL, PRIMARY KEY (\`userId\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`email_codes\` (\`challengeId\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`purpose\` varchar(16) NOT NULL, \`salt\` varchar(32) NOT NULL, \`codeDigest\` varchar(64) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, \`consumedAt\` datetime(3) NULL, INDEX \`IDX_email_codes_user\` (\`userId\`), PRIMARY KEY (\`challengeId\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`two_factor_methods\` (\`userId\` varchar(36) NOT NULL, \`method\` varchar(32) NOT NULL, \`enabledAt\` datetime(3) NOT NULL, \`preferred\` int NOT NULL DEFAULT '0', PRIMARY KEY (\`userId\`, \`method\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`two_factor_methods\``);
        await queryRunner.query(`DROP INDEX \`IDX_email_codes_user\` ON \`email_codes\``);
        await queryRunner.query(`DROP TABLE \`email_codes\``);
        await queryRunner.query(`DROP TABLE \`authenticator_secrets\``);
        await queryRunner.query(`DROP INDEX \`UQ_two_factor_enrollments_user_method\` ON \`two_factor_enrollments\``);
        await queryRunner.query(`DROP TABLE \`two_factor_enrollments\``);
        await queryRunner.query(`DROP INDEX \`IDX_backup_codes_user\` ON \`backup_codes\``);
        await queryRunner.query(`DROP TABLE \`backup_codes\``);
        await queryRunner.query(`DROP TABLE \`admin_backup_codes\``);
    }

}
