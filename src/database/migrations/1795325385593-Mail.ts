import { MigrationInterface, QueryRunner } from "typeorm";

export class Mail1795325385593 implements MigrationInterface {
    name = 'Mail1795325385593'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`mail_outbox\` (\`id\` varchar(36) NOT NULL, \`status\` varchar(16) NOT NULL, \`body\` text NULL, \`userId\` varchar(36) NULL, \`createdAt\` datetime(3) NOT NULL, \`nextAttemptAt\` datetime(3) NOT NULL, \`expiresAt\` datetime(3) NULL, \`attempts\` int NOT NULL DEFAULT '0', \`claimedBy\` varchar(64) NULL, \`claimedUntil\` datetime(3) NULL, \`lastError\` varchar(500) NULL, \`sentAt\` datetime(3) NULL, \`finishedAt\` datetime(3) NULL, \`dropReason\` varchar(64) NULL, INDEX \`IDX_mail_outbox_due\` (\`status\`, \`nextAttemptAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`smtp_settings\` (\`id\` int NOT NULL, \`host\` varchar(255) NOT NULL, \`port\` int NOT NULL, \`secure\` tinyint NOT NULL, \`username\` varchar(255) NULL, \`passwordSealed\` text NULL, \`fromAddress\` varchar(254) NOT NULL, \`fromName\` varchar(100) NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`smtp_settings\``);
        await queryRunner.query(`DROP INDEX \`IDX_mail_outbox_due\` ON \`mail_outbox\``);
        await queryRunner.query(`DROP TABLE \`mail_outbox\``);
    }

}
