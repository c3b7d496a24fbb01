import { MigrationInterface, QueryRunner } from 'typeorm';

/** Order.updatedAt, the key of the change feed: the last change of each order so far, then NOT NULL. */
export class OrderUpdatedAt1795962000000 implements MigrationInterface {
  name = 'OrderUpdatedAt1795962000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `orders` ADD `updated_at` datetime(3) NULL');
    await queryRunner.query(
      'UPDATE `orders` SET `updated_at` = COALESCE((SELECT MAX(e.`at`) FROM `order_event` e WHERE e.`order_id` = `orders`.`id`), `placed_at`)',
    );
    await queryRunner.query('ALTER TABLE `orders` MODIFY `updated_at` datetime(3) NOT NULL');
    await queryRunner.query('CREATE INDEX `IDX_orders_updated_at_id` ON `orders` (`updated_at`, `id`)');
    await queryRunner.query(
      'CREATE INDEX `IDX_orders_merchant_updated_at_id` ON `orders` (`merchant_id`, `updated_at`, `id`)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX `IDX_orders_merchant_updated_at_id` ON `orders`');
    await queryRunner.query('DROP INDEX `IDX_orders_updated_at_id` ON `orders`');
    await queryRunner.query('ALTER TABLE `orders` DROP COLUMN `updated_at`');
  }
}
