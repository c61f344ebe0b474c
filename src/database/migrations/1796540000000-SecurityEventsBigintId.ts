import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * security_events.id from INT to BIGINT. A signed INT stops at 2,147,483,647:
 * at 1,000 two-factor sign-ins a second (one SIGN_IN_SUCCEEDED each, plus
 * failures) that is under a month, and retention does not give ids back
 * (docs/scaling.md). The entity keeps `int`, which is what the embedded
 * SQLite needs for AUTOINCREMENT and is 64-bit there anyway.
 *
 * On a large audit table this rebuilds it and blocks its writes while it
 * runs: run the same ALTER beforehand with an online tool (gh-ost,
 * pt-online-schema-change); this migration then finds BIGINT and does nothing.
 */
export class SecurityEventsBigintId1796540000000 implements MigrationInterface {
    name = 'SecurityEventsBigintId1796540000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        if ((await idType(queryRunner)) === 'bigint') return;
        await queryRunner.query(`ALTER TABLE \`security_events\` MODIFY \`id\` bigint NOT NULL AUTO_INCREMENT`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`security_events\` MODIFY \`id\` int NOT NULL AUTO_INCREMENT`);
    }
}

async function idType(queryRunner: QueryRunner): Promise<string | undefined> {
    const rows: Array<{ type: string }> = await queryRunner.query(
        `SELECT DATA_TYPE AS type FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'security_events' AND COLUMN_NAME = 'id'`,
    );
    return rows[0]?.type?.toLowerCase();
}
