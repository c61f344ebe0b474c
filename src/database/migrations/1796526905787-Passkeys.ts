import { MigrationInterface, QueryRunner } from "typeorm";

/** PASSKEY: its credentials and its server-side challenges; the policy's allowPasskeySignIn (on by default). */
export class Passkeys1796526905787 implements MigrationInterface {
    name = 'Passkeys1796526905787'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`passkeys\` (\`id\` varchar(36) NOT NULL, \`userId\` varchar(36) NOT NULL, \`credentialId\` varchar(1400) NOT NULL, \`credentialDigest\` varchar(64) NOT NULL, \`publicKey\` varchar(2048) NOT NULL, \`signCount\` bigint NOT NULL, \`transports\` varchar(255) NULL, \`aaguid\` varchar(36) NOT NULL, \`backupEligible\` tinyint NOT NULL, \`backedUp\` tinyint NOT NULL, \`userVerified\` tinyint NOT NULL, \`discoverable\` tinyint NULL, \`name\` varchar(64) NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`lastUsedAt\` datetime(3) NULL, UNIQUE INDEX \`UQ_passkeys_credential\` (\`credentialDigest\`), INDEX \`IDX_passkeys_user\` (\`userId\`, \`createdAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`webauthn_challenges\` (\`id\` varchar(36) NOT NULL, \`challenge\` varchar(64) NOT NULL, \`purpose\` varchar(16) NOT NULL, \`userId\` varchar(36) NULL, \`sessionId\` varchar(36) NULL, \`createdAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NOT NULL, UNIQUE INDEX \`UQ_webauthn_challenges_challenge\` (\`challenge\`), INDEX \`IDX_webauthn_challenges_expires\` (\`expiresAt\`), INDEX \`IDX_webauthn_challenges_session\` (\`sessionId\`, \`purpose\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` ADD \`allowPasskeySignIn\` tinyint NOT NULL DEFAULT 1`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`two_factor_policy\` DROP COLUMN \`allowPasskeySignIn\``);
        await queryRunner.query(`DROP INDEX \`IDX_webauthn_challenges_session\` ON \`webauthn_challenges\``);
        await queryRunner.query(`DROP INDEX \`IDX_webauthn_challenges_expires\` ON \`webauthn_challenges\``);
        await queryRunner.query(`DROP INDEX \`UQ_webauthn_challenges_challenge\` ON \`webauthn_challenges\``);
        await queryRunner.query(`DROP TABLE \`webauthn_challenges\``);
        await queryRunner.query(`DROP INDEX \`IDX_passkeys_user\` ON \`passkeys\``);
        await queryRunner.query(`DROP INDEX \`UQ_passkeys_credential\` ON \`passkeys\``);
        await queryRunner.query(`DROP TABLE \`passkeys\``);
    }

}
