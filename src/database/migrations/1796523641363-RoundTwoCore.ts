import { MigrationInterface, QueryRunner } from "typeorm";

export class RoundTwoCore1796523641363 implements MigrationInterface {
    name = 'RoundTwoCore1796523641363'

    public async up(queryRunner: QueryRunner): Promise<void> {
        // Enrollments in progress are sealed in a new form: they start again (they live 15 minutes at most).
        await queryRunner.query(`DELETE FROM \`two_factor_enrollments\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` DROP COLUMN \`sealedSecret\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` DROP COLUMN \`attempts\``);
        await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`verifiedAt\` datetime(3) NULL`);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` ADD \`sealedState\` varchar(2048) NULL`);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` ADD \`sentTo\` varchar(254) NULL`);
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` ADD \`reauthenticationMinutes\` int NOT NULL DEFAULT '15'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DELETE FROM \`two_factor_enrollments\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` DROP COLUMN \`reauthenticationMinutes\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` DROP COLUMN \`sentTo\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` DROP COLUMN \`sealedState\``);
        await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`verifiedAt\``);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` ADD \`attempts\` int NOT NULL DEFAULT 0`);
        await queryRunner.query(`ALTER TABLE \`two_factor_enrollments\` ADD \`sealedSecret\` varchar(255) NULL`);
    }

}
