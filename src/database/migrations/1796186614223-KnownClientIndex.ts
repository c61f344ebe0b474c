import { MigrationInterface, QueryRunner } from "typeorm";

export class KnownClientIndex1796186614223 implements MigrationInterface {
    name = 'KnownClientIndex1796186614223'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX \`IDX_security_events_user_type\` ON \`security_events\` (\`userId\`, \`type\`, \`createdAt\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`IDX_security_events_user_type\` ON \`security_events\``);
    }

}
