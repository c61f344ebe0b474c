import { MigrationInterface, QueryRunner } from "typeorm";

export class Challenge1795325444226 implements MigrationInterface {
    name = 'Challenge1795325444226'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`two_factor_attempts\` (\`userId\` varchar(36) NOT NULL, \`failures\` int NOT NULL DEFAULT '0', \`inflight\` int NOT NULL DEFAULT '0', \`inflightUntil\` datetime(3) NULL, \`cooldownUntil\` datetime(3) NULL, \`lockedUntil\` datetime(3) NULL, PRIMARY KEY (\`userId\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`two_factor_challenges\` (\`sessionId\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, \`lastSentAt\` datetime(3) NULL, \`sendCount\` int NOT NULL DEFAULT '0', \`sentTo\` varchar(254) NULL, \`deliveredMethod\` varchar(32) NULL, INDEX \`IDX_two_factor_challenges_user\` (\`userId\`, \`expiresAt\`), PRIMARY KEY (\`sessionId\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_two_factor_challenges_user\` ON \`two_factor_challenges\``);
        await queryRunner.query(`DROP TABLE \`two_factor_challenges\``);
        await queryRunner.query(`DROP TABLE \`two_factor_attempts\``);
    }

}
