import { MigrationInterface, QueryRunner } from "typeorm";

export class Policy1795324623976 implements MigrationInterface {
    name = 'Policy1795324623976'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`two_factor_policy\` (\`id\` int NOT NULL, \`requirement\` varchar(32) NOT NULL, \`allowedMethods\` varchar(255) NOT NULL, \`frequency\` varchar(32) NOT NULL, \`trustedDeviceDays\` int NOT NULL, \`maxAttempts\` int NOT NULL, \`cooldownFromAttempt\` int NOT NULL, \`cooldownMinutes\` int NOT NULL, \`lockoutMinutes\` int NOT NULL, \`emailCodeTtlMinutes\` int NOT NULL, \`resendCooldownSeconds\` int NOT NULL, \`adminBackupCodeTtlMinutes\` int NOT NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`two_factor_policy\``);
    }

}
