import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One idempotency table for every keyed mutation (src/idempotency), instead of placeOrder's key on the
 * order row and receiveLot's lot_receipt. The keys of the last 48 hours are carried over.
 */
export class IdempotencyRecords1795955400000 implements MigrationInterface {
  name = 'IdempotencyRecords1795955400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `idempotency_record` (`id` int NOT NULL AUTO_INCREMENT, `scope` varchar(40) COLLATE utf8mb4_bin NOT NULL, `idempotency_key` varchar(100) COLLATE utf8mb4_bin NOT NULL, `operation` varchar(40) COLLATE utf8mb4_bin NOT NULL, `request_hash` varchar(64) COLLATE utf8mb4_bin NOT NULL, `result_id` int NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_7e9be864bd21cd6f061f74d9cf` (`created_at`), UNIQUE INDEX `IDX_e8ec65c1207d5f20b74258d352` (`scope`, `idempotency_key`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await queryRunner.query(
      "INSERT INTO `idempotency_record` (`scope`, `idempotency_key`, `operation`, `request_hash`, `result_id`, `created_at`) SELECT CONCAT('merchant:', `merchant_id`), `idempotency_key`, 'placeOrder', `request_hash`, `id`, `placed_at` FROM `orders` WHERE `placed_at` >= UTC_TIMESTAMP(3) - INTERVAL 2 DAY",
    );
    await queryRunner.query(
      "INSERT INTO `idempotency_record` (`scope`, `idempotency_key`, `operation`, `request_hash`, `result_id`, `created_at`) SELECT `scope`, `idempotency_key`, 'receiveLot', `request_hash`, `lot_id`, `created_at` FROM `lot_receipt` WHERE `created_at` >= UTC_TIMESTAMP(3) - INTERVAL 2 DAY",
    );
    await queryRunner.query('DROP INDEX `IDX_4fdfc763ef67201bdc509a5b7b` ON `orders`');
    await queryRunner.query('ALTER TABLE `orders` DROP COLUMN `idempotency_key`, DROP COLUMN `request_hash`');
    await queryRunner.query('DROP TABLE `lot_receipt`');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `lot_receipt` (`id` int NOT NULL AUTO_INCREMENT, `scope` varchar(40) NOT NULL, `idempotency_key` varchar(100) NOT NULL, `request_hash` varchar(64) NOT NULL, `lot_id` int NOT NULL, `created_at` datetime(3) NOT NULL, INDEX `IDX_87eaf94a0ea4c13c5fbcc84398` (`created_at`), UNIQUE INDEX `IDX_323546a5b8aa06f60dfd3dd648` (`scope`, `idempotency_key`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
    );
    await queryRunner.query(
      "INSERT INTO `lot_receipt` (`scope`, `idempotency_key`, `request_hash`, `lot_id`, `created_at`) SELECT `scope`, `idempotency_key`, `request_hash`, `result_id`, `created_at` FROM `idempotency_record` WHERE `operation` = 'receiveLot'",
    );
    // Orders placed before this migration get their keys back; later ones a unique placeholder.
    await queryRunner.query(
      "ALTER TABLE `orders` ADD `idempotency_key` varchar(100) NOT NULL DEFAULT '', ADD `request_hash` varchar(64) NOT NULL DEFAULT ''",
    );
    await queryRunner.query(
      "UPDATE `orders` o SET `idempotency_key` = CONCAT('order-', o.`id`), `request_hash` = REPEAT('0', 64)",
    );
    await queryRunner.query(
      "UPDATE `orders` o JOIN `idempotency_record` r ON r.`operation` = 'placeOrder' AND r.`result_id` = o.`id` SET o.`idempotency_key` = r.`idempotency_key`, o.`request_hash` = r.`request_hash`",
    );
    await queryRunner.query(
      'ALTER TABLE `orders` ALTER `idempotency_key` DROP DEFAULT, ALTER `request_hash` DROP DEFAULT',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX `IDX_4fdfc763ef67201bdc509a5b7b` ON `orders` (`merchant_id`, `idempotency_key`)',
    );
    await queryRunner.query('DROP TABLE `idempotency_record`');
  }
}
