import { MigrationInterface, QueryRunner } from "typeorm";

export class RetentionIndexes1796181322022 implements MigrationInterface {
    name = 'RetentionIndexes1796181322022'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX \`IDX_two_factor_challenges_expires\` ON \`two_factor_challenges\` (\`expiresAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_email_codes_expires\` ON \`email_codes\` (\`expiresAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_created\` ON \`security_events\` (\`createdAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_trusted_devices_expires\` ON \`trusted_devices\` (\`expiresAt\`)`);
        await queryRunner.query(`CREATE INDEX \`IDX_login_throttles_last_failure\` ON \`login_throttles\` (\`lastFailureAt\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_login_throttles_last_failure\` ON \`login_throttles\``);
        await queryRunner.query(`DROP INDEX \`IDX_trusted_devices_expires\` ON \`trusted_devices\``);
        await queryRunner.query(`DROP INDEX \`IDX_security_events_created\` ON \`security_events\``);
        await queryRunner.query(`DROP INDEX \`IDX_email_codes_expires\` ON \`email_codes\``);
        await queryRunner.query(`DROP INDEX \`IDX_two_factor_challenges_expires\` ON \`two_factor_challenges\``);
    }

}
