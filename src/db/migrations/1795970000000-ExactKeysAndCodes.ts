import { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys, codes, tokens and hashes, by table: compared exactly from here on. */
const EXACT_COLUMNS: Record<string, string[]> = {
  api_key: ['token_hash'],
  carrier: ['code'],
  farm: ['code'],
  idempotency_record: ['scope', 'idempotency_key', 'operation', 'request_hash'],
  location: ['code'],
  lot: ['code'],
  merchant: ['code'],
  orders: ['number', 'tracking_number'],
  sku: ['code'],
  village_station: ['code'],
  webhook_delivery: ['lease_owner'],
  webhook_endpoint: ['secret'],
};
/** Those that were utf8mb4_bin before (down() puts them back). */
const BINARY_BEFORE = new Set([
  'idempotency_record.scope',
  'idempotency_record.idempotency_key',
  'idempotency_record.operation',
  'idempotency_record.request_hash',
  'webhook_delivery.lease_owner',
  'webhook_endpoint.secret',
]);
const TEXT_COLLATION = 'utf8mb4_unicode_ci';

interface TextColumn {
  tableName: string;
  columnName: string;
  columnType: string;
  nullable: string;
  columnDefault: string | null;
  collation: string;
}

/**
 * Exact keys and codes, and utf8mb4 everywhere.
 * - Keys, codes, tokens and hashes were compared ignoring case and accents (utf8mb4_unicode_ci), and even
 *   utf8mb4_bin ignores trailing spaces (PAD SPACE): `cart-aB3xQ`, `cart-Ab3Xq`, `cart-ab3xq ` and
 *   `cart-äb3xq` were one idempotency key on MySQL and four on SQLite. They become binary and NO PAD
 *   (utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8).
 * - The first tables were created in the server's default charset: on a latin1 server Chinese names failed
 *   with "Incorrect string value". Every table, every other text column and the database itself become
 *   utf8mb4 / utf8mb4_unicode_ci. Only what differs is altered, one ALTER TABLE per table.
 */
export class ExactKeysAndCodes1795970000000 implements MigrationInterface {
  name = 'ExactKeysAndCodes1795970000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const names: { name: string }[] = await queryRunner.query(
      "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
    );
    const exact = names.find((n) => n.name === 'utf8mb4_nopad_bin')?.name ?? names[0]?.name ?? null;
    if (!exact)
      throw new Error(
        'This server has no binary NO PAD collation (utf8mb4_nopad_bin on MariaDB 10.2+, utf8mb4_0900_bin on MySQL 8)',
      );
    const schema = await this.schema(queryRunner);
    await queryRunner.query(`ALTER DATABASE \`${schema}\` CHARACTER SET utf8mb4 COLLATE ${TEXT_COLLATION}`);
    await this.alter(queryRunner, schema, (table, column) =>
      EXACT_COLUMNS[table]?.includes(column) ? exact : TEXT_COLLATION,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The charset stays utf8mb4: what the tables had before is not known, and latin1 could not hold the data.
    const schema = await this.schema(queryRunner);
    await this.alter(queryRunner, schema, (table, column) =>
      BINARY_BEFORE.has(`${table}.${column}`) ? 'utf8mb4_bin' : TEXT_COLLATION,
    );
  }

  private async schema(queryRunner: QueryRunner): Promise<string> {
    const [{ schema }] = await queryRunner.query('SELECT DATABASE() AS `schema`');
    return schema;
  }

  /** Gives every table the text collation by default, and each text column the collation `target` names. */
  private async alter(
    queryRunner: QueryRunner,
    schema: string,
    target: (table: string, column: string) => string,
  ): Promise<void> {
    const tables: { tableName: string; collation: string }[] = await queryRunner.query(
      "SELECT TABLE_NAME AS tableName, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'migrations' ORDER BY TABLE_NAME",
      [schema],
    );
    const columns: TextColumn[] = await queryRunner.query(
      'SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS columnDefault, COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLLATION_NAME IS NOT NULL ORDER BY TABLE_NAME, ORDINAL_POSITION',
      [schema],
    );
    for (const table of tables) {
      const changes: string[] = [];
      if (table.collation !== TEXT_COLLATION)
        changes.push(`DEFAULT CHARACTER SET utf8mb4 COLLATE ${TEXT_COLLATION}`);
      for (const column of columns.filter((c) => c.tableName === table.tableName)) {
        const collation = target(table.tableName, column.columnName);
        if (column.collation === collation) continue;
        // MariaDB reports no default as 'NULL', MySQL as null; no text column of the gateway has another.
        if (column.columnDefault !== null && column.columnDefault !== 'NULL')
          throw new Error(
            `${table.tableName}.${column.columnName} has a default this migration does not keep`,
          );
        const nullable = column.nullable === 'YES' ? 'NULL' : 'NOT NULL';
        changes.push(
          `MODIFY \`${column.columnName}\` ${column.columnType} CHARACTER SET utf8mb4 COLLATE ${collation} ${nullable}`,
        );
      }
      if (changes.length > 0)
        await queryRunner.query(`ALTER TABLE \`${table.tableName}\` ${changes.join(', ')}`);
    }
  }
}
