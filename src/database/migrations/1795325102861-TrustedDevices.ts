import { MigrationInterface, QueryRunner } from "typeorm";

export class TrustedDevices1795325102861 implements MigrationInterface {
    name = 'TrustedDevices1795325102861'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`trusted_devices\` (\`id\` varchar(36) NOT NULL, \`tokenHash\` varchar(64) NOT NULL, \`userId\` varchar(36) NOT NULL, \`browser\` varchar(64) NOT NULL, \`system\` varchar(64) NOT NULL, \`label\` varchar(160) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, \`lastUsedAt\` datetime(3) NULL, UNIQUE INDEX \`UQ_trusted_devices_token\` (\`tokenHash\`), INDEX \`IDX_trusted_devices_user\` (\`userId\`, \`expiresAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_trusted_devices_user\` ON \`trusted_devices\``);
        await queryRunner.query(`DROP INDEX \`UQ_trusted_devices_token\` ON \`trusted_devices\``);
        await queryRunner.query(`DROP TABLE \`trusted_devices\``);
    }

}
