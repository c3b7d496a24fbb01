import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook endpoints and the outbox of their deliveries (src/webhooks). */
export class Webhooks1795961000000 implements MigrationInterface {
  name = 'Webhooks1795961000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE `webhook_endpoint` (`id` int NOT NULL AUTO_INCREMENT, `url` varchar(2000) NOT NULL, `events` varchar(200) NOT NULL, `merchant_id` int NULL, `secret` varchar(100) COLLATE utf8mb4_bin NOT NULL, `active` tinyint NOT NULL DEFAULT 1, `created_at` datetime(3) NOT NULL, INDEX `IDX_91e876e64ef9756eacbcf582af` (`merchant_id`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
    await queryRunner.query(
      "CREATE TABLE `webhook_delivery` (`id` int NOT NULL AUTO_INCREMENT, `endpoint_id` int NOT NULL, `event` varchar(30) NOT NULL, `data` text NOT NULL, `status` varchar(12) NOT NULL, `attempts` int NOT NULL DEFAULT '0', `last_status_code` int NULL, `last_error` varchar(300) NULL, `next_attempt_at` datetime(3) NULL, `created_at` datetime(3) NOT NULL, `delivered_at` datetime(3) NULL, `lease_owner` varchar(60) COLLATE utf8mb4_bin NULL, `lease_until` datetime(3) NULL, INDEX `IDX_c06f61c429435f154742e7134d` (`status`, `delivered_at`), INDEX `IDX_68fd3a7ad4e5504350f64a3472` (`status`, `next_attempt_at`), INDEX `IDX_a1bc8e4b7660989684fec1340e` (`endpoint_id`, `id`), PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `webhook_delivery`');
    await queryRunner.query('DROP TABLE `webhook_endpoint`');
  }
}
