import { DataSource, EntityManager } from 'typeorm';
import { MovementType } from '../graphql/enums';
import { currentTime, shanghaiToday } from '../time';
import { availableOf, expiredUnitsSql, partsFromRow, unclampedAvailableSql } from './availability';
import { Read } from '../db/shared-reads';
import { StockMovement } from './stock-movement.entity';

/**
 * Small helpers for the stock and order write paths: raw, portable SQL (SQLite, MySQL, MariaDB, TiDB)
 * with `?` placeholders, run inside the caller's transaction.
 */

/**
 * Runs an UPDATE/DELETE and returns how many rows it changed. Every caller's SET changes the row it matches.
 */
export async function execute(m: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const result = await m.queryRunner!.query(sql, params, true);
  return Number(result.affected ?? 0);
}

/** A timestamp as the driver stores it (SQLite keeps TypeORM's UTC text form). */
export function sqlInstant(m: EntityManager | DataSource, at: Date = currentTime()): Date | string {
  const type = ('connection' in m ? m.connection : m).options.type;
  return type === 'mysql' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
}

export function isMysql(m: EntityManager | DataSource): boolean {
  return ('connection' in m ? m.connection : m).options.type === 'mysql';
}

/** ` FOR UPDATE` on MySQL, where row locks exist; SQLite transactions are serialised anyway. */
export function forUpdate(m: EntityManager): string {
  return isMysql(m) ? ' FOR UPDATE' : '';
}

/** Changes a SKU's stock level counters by SQL increments (never read-modify-write). */
export async function bumpStockLevel(
  m: EntityManager,
  skuId: number,
  delta: { onHand?: number; reserved?: number; heldOrExpired?: number },
): Promise<void> {
  const changed = await execute(
    m,
    'UPDATE stock_level SET on_hand = on_hand + ?, reserved = reserved + ?, held_or_expired = held_or_expired + ?, updated_at = ? WHERE sku_id = ?',
    [delta.onHand ?? 0, delta.reserved ?? 0, delta.heldOrExpired ?? 0, sqlInstant(m), skuId],
  );
  if (changed !== 1) throw new Error(`stock level of SKU ${skuId} is missing`);
}

/**
 * Takes `n` units of a SKU off what can be sold, in one conditional UPDATE, if that many are available
 * (the availability rule's SQL >= n). Returns whether it did.
 * `reserve` adds to reserved (placing an order); `remove` takes sellable units off on_hand.
 */
export async function takeAvailable(
  m: EntityManager,
  skuId: number,
  n: number,
  change: 'reserve' | 'remove',
): Promise<boolean> {
  const set = change === 'reserve' ? 'reserved = reserved + ?' : 'on_hand = on_hand - ?';
  const changed = await execute(
    m,
    `UPDATE stock_level SET ${set}, updated_at = ? WHERE sku_id = ? AND ${unclampedAvailableSql('', expiredUnitsSql('?', '?'))} >= ?`,
    [n, sqlInstant(m), skuId, skuId, shanghaiToday(), n],
  );
  return changed === 1;
}

/** What can be sold now of each SKU, by id (StockLevel.available). */
export async function availableBySku(
  dataSource: DataSource | EntityManager,
  skuIds: number[],
): Promise<Map<number, number>> {
  if (skuIds.length === 0) return new Map();
  const rows: Record<string, unknown>[] = await dataSource.query(
    `SELECT sl.sku_id AS sku_id, sl.on_hand AS on_hand, sl.reserved AS reserved,
            sl.held_or_expired AS held_or_expired, ${expiredUnitsSql('sl.sku_id', '?')} AS expired_not_written_off
     FROM stock_level sl WHERE sl.sku_id IN (${skuIds.map(() => '?').join(', ')})`,
    [shanghaiToday(), ...skuIds],
  );
  return new Map(rows.map((r) => [Number(r.sku_id), availableOf(partsFromRow(r))]));
}

/** A SKU as placeOrder needs it, with what can be sold of it now. */
export interface SkuForSale {
  id: number;
  code: string;
  active: boolean;
  priceFen: bigint;
  /** StockLevel.available, read without a lock (0 when the SKU has no stock level). */
  available: number;
}

/** Columns a read takes from a LEFT JOIN of its own: their SQL, the join's SQL and its parameters. */
export interface JoinedColumns {
  columns: string;
  join: string;
  params: unknown[];
}

/** The id of the row of `table` with this code as `alias`_id (null for no code or an unknown one). */
export function idByCode(table: string, alias: string, code: string | null): JoinedColumns {
  return {
    columns: `${alias}.id AS ${alias}_id`,
    join: `LEFT JOIN ${table} ${alias} ON ${alias}.code = ?`,
    params: [code],
  };
}

/**
 * The read of the SKUs of these codes with what can be sold of each now (no lock): placeOrder's lookup of
 * its lines, which also refuses at once what the stock cannot meet. Only the conditional UPDATE of
 * takeAvailable ever accepts a reservation. `also` joins more columns to every row (the order's key, its
 * station and carrier): each join matches one row at most, and its parameters are in `params`.
 * A plain SELECT, so concurrent ones can share a statement (src/db/shared-reads.ts).
 */
export function skusForSaleRead(codes: string[], also: JoinedColumns[] = []): Read {
  return {
    sql: `SELECT s.id AS id, s.code AS code, s.active AS active, s.price_fen AS price_fen,
            sl.on_hand AS on_hand, sl.reserved AS reserved, sl.held_or_expired AS held_or_expired,
            ${expiredUnitsSql('s.id', '?')} AS expired_not_written_off${also.map((j) => `, ${j.columns}`).join('')}
     FROM sku s LEFT JOIN stock_level sl ON sl.sku_id = s.id ${also.map((j) => j.join).join(' ')}
     WHERE s.code IN (${codes.map(() => '?').join(', ')})`,
    params: [shanghaiToday(), ...also.flatMap((j) => j.params), ...codes],
  };
}

/** The SKUs of rows of skusForSaleRead, by code. */
export function skusOfRows(rows: Record<string, unknown>[]): Map<string, SkuForSale> {
  return new Map(
    rows.map((r) => [
      String(r.code),
      {
        id: Number(r.id),
        code: String(r.code),
        active: Boolean(Number(r.active)),
        priceFen: BigInt(r.price_fen as string | number),
        available: r.on_hand === null ? 0 : availableOf(partsFromRow(r)),
      },
    ]),
  );
}

/** A placeholder for a unique code until the row's id is known. */
export function temporaryCode(prefix: string): string {
  return `${prefix}-TMP-${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
}

/** 2026-11-29 -> 20261129 */
export function compactDate(date: string): string {
  return date.replace(/-/g, '');
}

/** A lot's code: the day it was received and its id, LOT-20261129-0042. */
export function lotCode(receivedOn: string, id: number): string {
  return `LOT-${compactDate(receivedOn)}-${String(id).padStart(4, '0')}`;
}

/** Appends one row to the stock ledger; onHandDelta defaults to the movement type's sign. */
export function recordMovement(
  m: EntityManager,
  actor: string,
  lot: { id: number; skuId: number },
  type: MovementType,
  quantity: number,
  extra: Partial<StockMovement> = {},
): Promise<StockMovement> {
  const sign =
    type === MovementType.RECEIPT || type === MovementType.RETURN
      ? 1
      : type === MovementType.TRANSFER
        ? 0
        : -1;
  return m.save(
    m.create(StockMovement, {
      type,
      skuId: lot.skuId,
      lotId: lot.id,
      fromLocationId: null,
      toLocationId: null,
      quantity,
      onHandDelta: sign * quantity,
      reason: null,
      note: null,
      orderId: null,
      returnLineId: null,
      actor,
      occurredAt: currentTime(),
      ...extra,
    }),
  );
}
