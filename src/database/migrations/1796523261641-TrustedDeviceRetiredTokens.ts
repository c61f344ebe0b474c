import { MigrationInterface, QueryRunner } from "typeorm";

export class TrustedDeviceRetiredTokens1796523261641 implements MigrationInterface {
    name = 'TrustedDeviceRetiredTokens1796523261641'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`trusted_device_retired_tokens\` (\`tokenHash\` varchar(64) NOT NULL, \`deviceId\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`retiredAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, INDEX \`IDX_trusted_device_retired_tokens_expires\` (\`expiresAt\`), INDEX \`IDX_trusted_device_retired_tokens_user\` (\`userId\`, \`expiresAt\`), INDEX \`IDX_trusted_device_retired_tokens_device\` (\`deviceId\`), PRIMARY KEY (\`tokenHash\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_trusted_device_retired_tokens_device\` ON \`trusted_device_retired_tokens\``);
        await queryRunner.query(`DROP INDEX \`IDX_trusted_device_retired_tokens_user\` ON \`trusted_device_retired_tokens\``);
        await queryRunner.query(`DROP INDEX \`IDX_trusted_device_retired_tokens_expires\` ON \`trusted_device_retired_tokens\``);
        await queryRunner.query(`DROP TABLE \`trusted_device_retired_tokens\``);
    }

}
