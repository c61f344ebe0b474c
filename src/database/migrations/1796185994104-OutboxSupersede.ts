import { MigrationInterface, QueryRunner } from "typeorm";

export class OutboxSupersede1796185994104 implements MigrationInterface {
    name = 'OutboxSupersede1796185994104'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`mail_outbox\` ADD \`supersedeKey\` varchar(80) NULL`);
        await queryRunner.query(`CREATE INDEX \`IDX_mail_outbox_supersede\` ON \`mail_outbox\` (\`supersedeKey\`, \`status\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_mail_outbox_supersede\` ON \`mail_outbox\``);
        await queryRunner.query(`ALTER TABLE \`mail_outbox\` DROP COLUMN \`supersedeKey\``);
    }

}
