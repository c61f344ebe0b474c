import { MigrationInterface, QueryRunner } from "typeorm";

export class HashingKeys1796523261642 implements MigrationInterface {
    name = 'HashingKeys1796523261642'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`hashing_keys\` (\`id\` varchar(16) NOT NULL, \`sealedKey\` text NOT NULL, \`tagged\` tinyint NOT NULL, \`createdAt\` datetime(3) NOT NULL, \`retiredAt\` datetime(3) NULL, \`succeeds\` varchar(16) NULL, UNIQUE INDEX \`UQ_hashing_keys_succeeds\` (\`succeeds\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`UQ_hashing_keys_succeeds\` ON \`hashing_keys\``);
        await queryRunner.query(`DROP TABLE \`hashing_keys\``);
    }

}
