/**
 * What can be sold: the one home of the rule, as SQL and as a function.
 *
 *   available = onHand - reserved - unsellable, never below 0
 *   unsellable = held_or_expired (HELD lots, EXPIRED lots not yet written off: kept by the services)
 *              + units of ACTIVE lots past their expiry date (Asia/Shanghai) not yet written off
 *   isLow = available <= the SKU's lowStockThreshold
 *
 * Stock levels, the SKU filter and sort, the dashboard and the reservation UPDATE all build their SQL here;
 * StockLevel computes the same in TypeScript from the same parts.
 */

/** The counters of one SKU's stock level, and its read-time part. */
export interface AvailabilityParts {
  onHand: number;
  reserved: number;
  heldOrExpired: number;
  /** Units of ACTIVE lots past expiry not yet written off. */
  expiredNotWrittenOff: number;
}

/** The parts as read by SQL: columns on_hand, reserved, held_or_expired, expired_not_written_off. */
export function partsFromRow(row: Record<string, unknown>): AvailabilityParts {
  return {
    onHand: Number(row.on_hand),
    reserved: Number(row.reserved),
    heldOrExpired: Number(row.held_or_expired),
    expiredNotWrittenOff: Number(row.expired_not_written_off),
  };
}

export function unsellableOf(parts: AvailabilityParts): number {
  return parts.heldOrExpired + parts.expiredNotWrittenOff;
}

export function availableOf(parts: AvailabilityParts): number {
  return Math.max(0, parts.onHand - parts.reserved - unsellableOf(parts));
}

export function isLow(available: number, lowStockThreshold: number): boolean {
  return available <= lowStockThreshold;
}

/**
 * SQL for the units of ACTIVE lots past expiry not yet written off, of the SKU `skuId` names (a column or
 * `?`), with `today` the Shanghai date (a placeholder). A correlated subquery on lot(sku_id, status,
 * expires_on).
 */
export function expiredUnitsSql(skuId: string, today: string): string {
  return (
    '(SELECT COALESCE(SUM(x.quantity_on_hand), 0) FROM lot x' +
    ` WHERE x.sku_id = ${skuId} AND x.status = 'ACTIVE' AND x.expires_on < ${today})`
  );
}

/**
 * The same units for every SKU at once, as a derived table of (sku_id, units) to LEFT JOIN when a query
 * walks many stock levels (expired units not yet written off are few: the write-off runs daily).
 */
export function expiredUnitsBySkuSql(today: string): string {
  return (
    '(SELECT sku_id, SUM(quantity_on_hand) AS units FROM lot' +
    ` WHERE status = 'ACTIVE' AND expires_on < ${today} GROUP BY sku_id)`
  );
}

/**
 * SQL for onHand - reserved - unsellable, not clamped: the guard of a reservation compares it with the
 * units wanted. `level` qualifies the stock_level columns ('sl.' or ''); `expiredUnits` is
 * expiredUnitsSql(...) or a joined `COALESCE(x.units, 0)`.
 */
export function unclampedAvailableSql(level: string, expiredUnits: string): string {
  return `${level}on_hand - ${level}reserved - ${level}held_or_expired - ${expiredUnits}`;
}

/** SQL for `available` exactly as StockLevel.available: never below 0. */
export function availableSql(level: string, expiredUnits: string): string {
  const raw = unclampedAvailableSql(level, expiredUnits);
  return `CASE WHEN ${raw} > 0 THEN ${raw} ELSE 0 END`;
}

/** SQL for StockLevel.isLow (or its negation), given availableSql(...) and the threshold column. */
export function isLowSql(available: string, threshold: string, low = true): string {
  return `${available} ${low ? '<=' : '>'} ${threshold}`;
}
