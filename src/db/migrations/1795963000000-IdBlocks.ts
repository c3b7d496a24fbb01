import { MigrationInterface, QueryRunner } from 'typeorm';

/** id_block: order ids drawn ahead of the INSERT, a block per instance (src/orders/order-ids.ts). */
export class IdBlocks1795963000000 implements MigrationInterface {
  name = 'IdBlocks1795963000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `id_block` (`name` varchar(40) NOT NULL, `next_id` int NOT NULL, PRIMARY KEY (`name`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `id_block`');
  }
}
