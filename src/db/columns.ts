import { ColumnOptions, DataSource, ValueTransformer } from 'typeorm';

/** BIGINT fen <-> JS bigint, whatever the driver returns (number, string). */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) =>
    value === null || value === undefined ? value : value.toString(),
  from: (value: string | number | bigint | null) =>
    value === null || value === undefined ? value : BigInt(value),
};

/** Whole fen. */
export function fenColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'bigint', transformer: bigintTransformer, ...extra };
}

/** An instant, stored in UTC with milliseconds. */
export function instantColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'datetime', precision: 3, ...extra };
}

/** A calendar date kept as 'YYYY-MM-DD'. */
export function localDateColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'date', ...extra };
}

/**
 * The collation of keys, codes, tokens and hashes on MySQL/MariaDB: binary and NO PAD, so case, accents and
 * trailing spaces all tell two values apart, as they do in SQLite, which compares all text byte for byte.
 * (utf8mb4_bin is PAD SPACE: 'cart-1 ' equals 'cart-1' there.) MariaDB's name; MySQL 8 calls it
 * MYSQL_EXACT_COLLATION, and fitColumnsToDatabase renames it there.
 */
export const EXACT_COLLATION = 'utf8mb4_nopad_bin';
export const MYSQL_EXACT_COLLATION = 'utf8mb4_0900_bin';
/** The charset and collation of every other text column and of every table. */
export const TEXT_CHARSET = 'utf8mb4';
export const TEXT_COLLATION = 'utf8mb4_unicode_ci';

/** A key, code, token or hash: compared exactly on every database. */
export function exactColumn(length: number, extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'varchar', length, collation: EXACT_COLLATION, ...extra };
}

/** The exact collation this MySQL/MariaDB server has, or null when it has neither name. */
export async function exactCollationOf(
  query: (sql: string) => Promise<{ name: string }[]>,
): Promise<string | null> {
  const rows = await query(
    `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('${EXACT_COLLATION}', '${MYSQL_EXACT_COLLATION}')`,
  );
  const names = rows.map((row) => row.name);
  return names.find((name) => name === EXACT_COLLATION) ?? names[0] ?? null;
}

/**
 * Fits the collations the entities declare to the database, before it is synchronised or migrated: SQLite
 * knows none of MySQL's (and needs none: its text compares exactly), MySQL 8 names the exact one otherwise.
 */
export async function fitColumnsToDatabase(dataSource: DataSource): Promise<void> {
  const columns = dataSource.entityMetadatas.flatMap((entity) => entity.columns);
  if (dataSource.options.type !== 'mysql') {
    for (const column of columns) column.collation = undefined;
    return;
  }
  const exact = await exactCollationOf((sql) => dataSource.query(sql));
  for (const column of columns) if (column.collation === EXACT_COLLATION && exact) column.collation = exact;
}
