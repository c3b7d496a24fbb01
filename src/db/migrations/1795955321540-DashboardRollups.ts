import { MigrationInterface, QueryRunner } from 'typeorm';

/** The dashboard's daily and monthly sales rollups (src/dashboard). */
export class DashboardRollups1795955321540 implements MigrationInterface {
  name = 'DashboardRollups1795955321540';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "CREATE TABLE `daily_sales` (`day` date NOT NULL, `shard` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `orders_placed` int NOT NULL DEFAULT '0', `orders_dispatched` int NOT NULL DEFAULT '0', `parcels` int NOT NULL DEFAULT '0', `units` int NOT NULL DEFAULT '0', PRIMARY KEY (`day`, `shard`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `daily_sales_by_carrier` (`day` date NOT NULL, `carrier_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `orders_dispatched` int NOT NULL DEFAULT '0', `parcels` int NOT NULL DEFAULT '0', PRIMARY KEY (`day`, `carrier_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `daily_sales_by_merchant` (`day` date NOT NULL, `merchant_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `orders_dispatched` int NOT NULL DEFAULT '0', PRIMARY KEY (`day`, `merchant_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `monthly_sales_by_merchant` (`month` date NOT NULL, `merchant_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `orders_dispatched` int NOT NULL DEFAULT '0', PRIMARY KEY (`month`, `merchant_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `daily_sales_by_sku` (`day` date NOT NULL, `sku_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `units` int NOT NULL DEFAULT '0', PRIMARY KEY (`day`, `sku_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `monthly_sales_by_sku` (`month` date NOT NULL, `sku_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `units` int NOT NULL DEFAULT '0', PRIMARY KEY (`month`, `sku_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `daily_sales_by_farm` (`day` date NOT NULL, `farm_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `units` int NOT NULL DEFAULT '0', PRIMARY KEY (`day`, `farm_id`)) ENGINE=InnoDB",
    );
    await queryRunner.query(
      "CREATE TABLE `monthly_sales_by_farm` (`month` date NOT NULL, `farm_id` int NOT NULL, `sales_fen` bigint NOT NULL DEFAULT '0', `units` int NOT NULL DEFAULT '0', PRIMARY KEY (`month`, `farm_id`)) ENGINE=InnoDB",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `monthly_sales_by_farm`');
    await queryRunner.query('DROP TABLE `daily_sales_by_farm`');
    await queryRunner.query('DROP TABLE `monthly_sales_by_sku`');
    await queryRunner.query('DROP TABLE `daily_sales_by_sku`');
    await queryRunner.query('DROP TABLE `monthly_sales_by_merchant`');
    await queryRunner.query('DROP TABLE `daily_sales_by_merchant`');
    await queryRunner.query('DROP TABLE `daily_sales_by_carrier`');
    await queryRunner.query('DROP TABLE `daily_sales`');
  }
}
