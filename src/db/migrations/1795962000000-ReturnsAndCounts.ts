import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns of dispatched orders (order_return, return_line, RETURN movements linked to their line),
 * stocktakes (stock_count), and returned units and value in the daily rollup.
 */
export class ReturnsAndCounts1795962000000 implements MigrationInterface {
  name = 'ReturnsAndCounts1795962000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `order_return` (`id` int NOT NULL AUTO_INCREMENT, `order_id` int NOT NULL, `reason` varchar(300) NOT NULL, `actor` varchar(80) NOT NULL, `at` datetime(3) NOT NULL, INDEX `IDX_f374d62cc094f3805e6b81cada` (`order_id`, `id`), INDEX `IDX_cf11d77ba7e72643813b1e9c0c` (`at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await queryRunner.query(
      'CREATE TABLE `return_line` (`id` int NOT NULL AUTO_INCREMENT, `return_id` int NOT NULL, `order_id` int NOT NULL, `sku_id` int NOT NULL, `quantity` int NOT NULL, `condition` varchar(12) NOT NULL, INDEX `IDX_8c55b72b87852c2de195589a8a` (`return_id`, `id`), INDEX `IDX_39940aea7d56c8006d1e1bcd20` (`order_id`, `sku_id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await queryRunner.query(
      'CREATE TABLE `stock_count` (`id` int NOT NULL AUTO_INCREMENT, `lot_id` int NOT NULL, `location_id` int NOT NULL, `previous_quantity` int NOT NULL, `counted_quantity` int NOT NULL, `movement_id` int NULL, `actor` varchar(80) NOT NULL, `counted_at` datetime(3) NOT NULL, INDEX `IDX_91cca390f918bfebc33c6caace` (`lot_id`, `id`), INDEX `IDX_1005fb8c7bdec37ea5684ee343` (`counted_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await queryRunner.query(
      'ALTER TABLE `stock_movement` ADD `return_line_id` int NULL, ADD INDEX `IDX_411df0926acb2b10bb0a0f5914` (`return_line_id`)',
    );
    await queryRunner.query(
      "ALTER TABLE `daily_sales` ADD `units_returned` int NOT NULL DEFAULT '0', ADD `sales_returned_fen` bigint NOT NULL DEFAULT '0'",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE `daily_sales` DROP COLUMN `sales_returned_fen`, DROP COLUMN `units_returned`',
    );
    await queryRunner.query(
      'ALTER TABLE `stock_movement` DROP INDEX `IDX_411df0926acb2b10bb0a0f5914`, DROP COLUMN `return_line_id`',
    );
    await queryRunner.query('DROP TABLE `stock_count`');
    await queryRunner.query('DROP TABLE `return_line`');
    await queryRunner.query('DROP TABLE `order_return`');
  }
}
