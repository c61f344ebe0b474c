import { MigrationInterface, QueryRunner } from "typeorm";

export class ChallengeCodeSends1795327340557 implements MigrationInterface {
    name = 'ChallengeCodeSends1795327340557'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`two_factor_code_sends\` (\`userId\` varchar(36) NOT NULL, \`windowStartedAt\` datetime(3) NULL, \`windowCount\` int NOT NULL DEFAULT '0', PRIMARY KEY (\`userId\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`two_factor_code_sends\``);
    }

}
