import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795954918610 implements MigrationInterface {
  name = 'Initial1795954918610';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`api_key\` (\`id\` int NOT NULL AUTO_INCREMENT, \`token_hash\` varchar(64) NOT NULL, \`role\` varchar(10) NOT NULL, \`merchant_id\` int NULL, \`label\` varchar(80) NOT NULL, \`created_at\` datetime(3) NOT NULL, \`revoked_at\` datetime(3) NULL, UNIQUE INDEX \`IDX_7d28e2674770b92f03a8fcb338\` (\`token_hash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`carrier\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`name\` varchar(80) NOT NULL, \`active\` tinyint NOT NULL DEFAULT 1, UNIQUE INDEX \`IDX_2a4cb68e6bd653fc76d2a2e682\` (\`code\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`farm\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`name\` varchar(120) NOT NULL, \`village\` varchar(80) NOT NULL, \`township\` varchar(80) NOT NULL, \`county\` varchar(80) NOT NULL, \`contact_name\` varchar(80) NULL, \`phone\` varchar(40) NULL, \`certifications\` text NOT NULL, \`active\` tinyint NOT NULL DEFAULT 1, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`IDX_1416a12560b816ad5bfc73d0ee\` (\`code\`), INDEX \`IDX_41e75daca44b6efe82b520b6b2\` (\`village\`), INDEX \`IDX_4807ad8af086bcbfe8020c410d\` (\`township\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`location\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`zone\` varchar(10) NOT NULL, UNIQUE INDEX \`IDX_50d67b2c22be390e74257516ab\` (\`code\`), INDEX \`IDX_9fa37a66e5ef69cb7afd1acc6c\` (\`zone\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`sku_supplier\` (\`sku_id\` int NOT NULL, \`farm_id\` int NOT NULL, INDEX \`IDX_48c0688d0c83af185408e2f91c\` (\`farm_id\`, \`sku_id\`), PRIMARY KEY (\`sku_id\`, \`farm_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`sku\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`name\` varchar(120) NOT NULL, \`local_name\` varchar(120) NULL, \`category\` varchar(20) NOT NULL, \`unit\` varchar(40) NOT NULL, \`unit_weight_grams\` int NOT NULL, \`storage_zone\` varchar(10) NOT NULL, \`shelf_life_days\` int NOT NULL, \`price_fen\` bigint NOT NULL, \`heritage\` tinyint NOT NULL DEFAULT 0, \`geographical_indication\` varchar(120) NULL, \`low_stock_threshold\` int NOT NULL DEFAULT '10', \`active\` tinyint NOT NULL DEFAULT 1, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`IDX_19ec6e4f8253df824722c3b8ab\` (\`code\`), INDEX \`IDX_d260c995b672b14cbab20899ba\` (\`name\`), INDEX \`IDX_e3cc42cfeb74e1a1b2cbc8ac01\` (\`category\`), INDEX \`IDX_1c30c14d7340093cf90fb9f817\` (\`price_fen\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`village_station\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`name\` varchar(80) NOT NULL, \`village\` varchar(80) NOT NULL, \`township\` varchar(80) NOT NULL, UNIQUE INDEX \`IDX_2e021a37c1ed5bd926642d3537\` (\`code\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`allocation\` (\`id\` int NOT NULL AUTO_INCREMENT, \`order_id\` int NOT NULL, \`order_line_id\` int NOT NULL, \`lot_id\` int NOT NULL, \`location_id\` int NOT NULL, \`quantity\` int NOT NULL, INDEX \`IDX_634bb32138f022433acb27ccf9\` (\`lot_id\`), INDEX \`IDX_13c2e227bef14a48edec574d46\` (\`order_id\`), INDEX \`IDX_578f37d353c2eae4c34b4c6f1b\` (\`order_line_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`merchant\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`name\` varchar(120) NOT NULL, \`village\` varchar(80) NOT NULL, \`platform\` varchar(12) NOT NULL, \`storefront_url\` varchar(300) NULL, \`active\` tinyint NOT NULL DEFAULT 1, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`IDX_17ed216f767e8c37dd24f5c0b9\` (\`code\`), INDEX \`IDX_67806f21417cc5c8966592b962\` (\`village\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`order_event\` (\`id\` int NOT NULL AUTO_INCREMENT, \`order_id\` int NOT NULL, \`status\` varchar(12) NOT NULL, \`at\` datetime(3) NOT NULL, \`actor\` varchar(80) NOT NULL, \`note\` varchar(300) NULL, INDEX \`IDX_20d1b20c9bea6d95ee406bf198\` (\`order_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`order_line\` (\`id\` int NOT NULL AUTO_INCREMENT, \`order_id\` int NOT NULL, \`sku_id\` int NOT NULL, \`quantity\` int NOT NULL, \`unit_price_fen\` bigint NOT NULL, \`line_total_fen\` bigint NOT NULL, INDEX \`IDX_3429be660bbbb70d6ff3c42845\` (\`sku_id\`), INDEX \`IDX_ed8fae6d7239e9d730219215af\` (\`order_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`orders\` (\`id\` int NOT NULL AUTO_INCREMENT, \`number\` varchar(30) NOT NULL, \`merchant_id\` int NOT NULL, \`idempotency_key\` varchar(100) NOT NULL, \`request_hash\` varchar(64) NOT NULL, \`status\` varchar(12) NOT NULL, \`total_fen\` bigint NOT NULL, \`station_id\` int NULL, \`recipient_name\` varchar(80) NULL, \`recipient_phone\` varchar(40) NULL, \`address\` varchar(300) NULL, \`city\` varchar(80) NULL, \`province\` varchar(80) NULL, \`carrier_id\` int NULL, \`tracking_number\` varchar(60) NULL, \`parcels\` int NULL, \`weight_grams\` int NULL, \`placed_at\` datetime(3) NOT NULL, \`dispatched_at\` datetime(3) NULL, \`delivered_at\` datetime(3) NULL, \`cancelled_at\` datetime(3) NULL, \`cancel_reason\` varchar(300) NULL, UNIQUE INDEX \`IDX_4e174e347d448617acdf98fef0\` (\`number\`), UNIQUE INDEX \`IDX_4fdfc763ef67201bdc509a5b7b\` (\`merchant_id\`, \`idempotency_key\`), INDEX \`IDX_9b16aab7d8f005bdd4f9f71b8d\` (\`placed_at\`), INDEX \`IDX_f1a5bc553863aec49408ecd4ec\` (\`carrier_id\`, \`id\`), INDEX \`IDX_5954f49e921881a0beef94c17a\` (\`status\`, \`id\`), INDEX \`IDX_9f10e842b8dcb06770a3b9a3f3\` (\`merchant_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`lot_placement\` (\`lot_id\` int NOT NULL, \`location_id\` int NOT NULL, \`quantity\` int NOT NULL, \`allocated\` int NOT NULL DEFAULT '0', INDEX \`IDX_a0eebdc0d6359b84df9805b048\` (\`location_id\`), PRIMARY KEY (\`lot_id\`, \`location_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`lot_receipt\` (\`id\` int NOT NULL AUTO_INCREMENT, \`scope\` varchar(40) NOT NULL, \`idempotency_key\` varchar(100) NOT NULL, \`request_hash\` varchar(64) NOT NULL, \`lot_id\` int NOT NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`IDX_87eaf94a0ea4c13c5fbcc84398\` (\`created_at\`), UNIQUE INDEX \`IDX_323546a5b8aa06f60dfd3dd648\` (\`scope\`, \`idempotency_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`lot\` (\`id\` int NOT NULL AUTO_INCREMENT, \`code\` varchar(40) NOT NULL, \`sku_id\` int NOT NULL, \`farm_id\` int NOT NULL, \`status\` varchar(10) NOT NULL, \`received_at\` datetime(3) NOT NULL, \`harvested_on\` date NULL, \`expires_on\` date NOT NULL, \`quantity_received\` int NOT NULL, \`quantity_on_hand\` int NOT NULL, \`hold_reason\` varchar(200) NULL, UNIQUE INDEX \`IDX_faa4ae0540ad6b7e3221877b44\` (\`code\`), INDEX \`IDX_7eb7cad0a1981e746e9166608a\` (\`status\`, \`expires_on\`), INDEX \`IDX_2291421c105eb2cc01c136dc98\` (\`farm_id\`, \`id\`), INDEX \`IDX_49c6d1a2ad94763cea3197e52a\` (\`sku_id\`, \`status\`, \`expires_on\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`stock_level\` (\`sku_id\` int NOT NULL, \`on_hand\` int NOT NULL DEFAULT '0', \`reserved\` int NOT NULL DEFAULT '0', \`held_or_expired\` int NOT NULL DEFAULT '0', \`updated_at\` datetime(3) NOT NULL, PRIMARY KEY (\`sku_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`stock_movement\` (\`id\` int NOT NULL AUTO_INCREMENT, \`type\` varchar(12) NOT NULL, \`sku_id\` int NOT NULL, \`lot_id\` int NOT NULL, \`from_location_id\` int NULL, \`to_location_id\` int NULL, \`quantity\` int NOT NULL, \`on_hand_delta\` int NOT NULL, \`reason\` varchar(20) NULL, \`note\` varchar(500) NULL, \`order_id\` int NULL, \`actor\` varchar(80) NOT NULL, \`occurred_at\` datetime(3) NOT NULL, INDEX \`IDX_00666178d0aeb440967aae4a82\` (\`occurred_at\`), INDEX \`IDX_3941af41b7cdd5178fe804b092\` (\`order_id\`), INDEX \`IDX_54525815634c98183ddd17ce6d\` (\`lot_id\`, \`id\`), INDEX \`IDX_bd70837a276fa1dcac2a05be82\` (\`sku_id\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_bd70837a276fa1dcac2a05be82\` ON \`stock_movement\``);
    await queryRunner.query(`DROP INDEX \`IDX_54525815634c98183ddd17ce6d\` ON \`stock_movement\``);
    await queryRunner.query(`DROP INDEX \`IDX_3941af41b7cdd5178fe804b092\` ON \`stock_movement\``);
    await queryRunner.query(`DROP INDEX \`IDX_00666178d0aeb440967aae4a82\` ON \`stock_movement\``);
    await queryRunner.query(`DROP TABLE \`stock_movement\``);
    await queryRunner.query(`DROP TABLE \`stock_level\``);
    await queryRunner.query(`DROP INDEX \`IDX_49c6d1a2ad94763cea3197e52a\` ON \`lot\``);
    await queryRunner.query(`DROP INDEX \`IDX_2291421c105eb2cc01c136dc98\` ON \`lot\``);
    await queryRunner.query(`DROP INDEX \`IDX_7eb7cad0a1981e746e9166608a\` ON \`lot\``);
    await queryRunner.query(`DROP INDEX \`IDX_faa4ae0540ad6b7e3221877b44\` ON \`lot\``);
    await queryRunner.query(`DROP TABLE \`lot\``);
    await queryRunner.query(`DROP INDEX \`IDX_323546a5b8aa06f60dfd3dd648\` ON \`lot_receipt\``);
    await queryRunner.query(`DROP INDEX \`IDX_87eaf94a0ea4c13c5fbcc84398\` ON \`lot_receipt\``);
    await queryRunner.query(`DROP TABLE \`lot_receipt\``);
    await queryRunner.query(`DROP INDEX \`IDX_a0eebdc0d6359b84df9805b048\` ON \`lot_placement\``);
    await queryRunner.query(`DROP TABLE \`lot_placement\``);
    await queryRunner.query(`DROP INDEX \`IDX_9f10e842b8dcb06770a3b9a3f3\` ON \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_5954f49e921881a0beef94c17a\` ON \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_f1a5bc553863aec49408ecd4ec\` ON \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_9b16aab7d8f005bdd4f9f71b8d\` ON \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_4fdfc763ef67201bdc509a5b7b\` ON \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_4e174e347d448617acdf98fef0\` ON \`orders\``);
    await queryRunner.query(`DROP TABLE \`orders\``);
    await queryRunner.query(`DROP INDEX \`IDX_ed8fae6d7239e9d730219215af\` ON \`order_line\``);
    await queryRunner.query(`DROP INDEX \`IDX_3429be660bbbb70d6ff3c42845\` ON \`order_line\``);
    await queryRunner.query(`DROP TABLE \`order_line\``);
    await queryRunner.query(`DROP INDEX \`IDX_20d1b20c9bea6d95ee406bf198\` ON \`order_event\``);
    await queryRunner.query(`DROP TABLE \`order_event\``);
    await queryRunner.query(`DROP INDEX \`IDX_67806f21417cc5c8966592b962\` ON \`merchant\``);
    await queryRunner.query(`DROP INDEX \`IDX_17ed216f767e8c37dd24f5c0b9\` ON \`merchant\``);
    await queryRunner.query(`DROP TABLE \`merchant\``);
    await queryRunner.query(`DROP INDEX \`IDX_578f37d353c2eae4c34b4c6f1b\` ON \`allocation\``);
    await queryRunner.query(`DROP INDEX \`IDX_13c2e227bef14a48edec574d46\` ON \`allocation\``);
    await queryRunner.query(`DROP INDEX \`IDX_634bb32138f022433acb27ccf9\` ON \`allocation\``);
    await queryRunner.query(`DROP TABLE \`allocation\``);
    await queryRunner.query(`DROP INDEX \`IDX_2e021a37c1ed5bd926642d3537\` ON \`village_station\``);
    await queryRunner.query(`DROP TABLE \`village_station\``);
    await queryRunner.query(`DROP INDEX \`IDX_1c30c14d7340093cf90fb9f817\` ON \`sku\``);
    await queryRunner.query(`DROP INDEX \`IDX_e3cc42cfeb74e1a1b2cbc8ac01\` ON \`sku\``);
    await queryRunner.query(`DROP INDEX \`IDX_d260c995b672b14cbab20899ba\` ON \`sku\``);
    await queryRunner.query(`DROP INDEX \`IDX_19ec6e4f8253df824722c3b8ab\` ON \`sku\``);
    await queryRunner.query(`DROP TABLE \`sku\``);
    await queryRunner.query(`DROP INDEX \`IDX_48c0688d0c83af185408e2f91c\` ON \`sku_supplier\``);
    await queryRunner.query(`DROP TABLE \`sku_supplier\``);
    await queryRunner.query(`DROP INDEX \`IDX_9fa37a66e5ef69cb7afd1acc6c\` ON \`location\``);
    await queryRunner.query(`DROP INDEX \`IDX_50d67b2c22be390e74257516ab\` ON \`location\``);
    await queryRunner.query(`DROP TABLE \`location\``);
    await queryRunner.query(`DROP INDEX \`IDX_4807ad8af086bcbfe8020c410d\` ON \`farm\``);
    await queryRunner.query(`DROP INDEX \`IDX_41e75daca44b6efe82b520b6b2\` ON \`farm\``);
    await queryRunner.query(`DROP INDEX \`IDX_1416a12560b816ad5bfc73d0ee\` ON \`farm\``);
    await queryRunner.query(`DROP TABLE \`farm\``);
    await queryRunner.query(`DROP INDEX \`IDX_2a4cb68e6bd653fc76d2a2e682\` ON \`carrier\``);
    await queryRunner.query(`DROP TABLE \`carrier\``);
    await queryRunner.query(`DROP INDEX \`IDX_7d28e2674770b92f03a8fcb338\` ON \`api_key\``);
    await queryRunner.query(`DROP TABLE \`api_key\``);
  }
}
