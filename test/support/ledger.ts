import { TestApp } from './test-app';

/**
 * Every ledger equation of DESIGN.md, checked in SQL; returns the rows that break one (none when all hold).
 */
export async function ledgerBreaks(app: TestApp) {
  const q = (sql: string) => app.dataSource.query(sql);
  const num = (rows: Record<string, unknown>[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])));
  return {
    onHandVsMovements: num(
      await q(`SELECT sl.sku_id, sl.on_hand, (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id) AS movements
      FROM stock_level sl WHERE sl.on_hand <> (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id)`),
    ),
    onHandVsLots: num(
      await q(`SELECT sl.sku_id, sl.on_hand FROM stock_level sl
      WHERE sl.on_hand <> (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id)`),
    ),
    lotVsPlacements: num(
      await q(`SELECT l.id, l.quantity_on_hand FROM lot l
      WHERE l.quantity_on_hand <> (SELECT COALESCE(SUM(p.quantity), 0) FROM lot_placement p WHERE p.lot_id = l.id)`),
    ),
    // Per bin: what the movements brought in (to_location) less what they took out (from_location) is what
    // the placement holds. This is what sees a TRANSFER, whose on-hand delta is 0.
    placementsVsMovements: num([
      ...(await q(`SELECT p.lot_id, p.location_id, p.quantity FROM lot_placement p WHERE p.quantity <> (
        SELECT COALESCE(SUM(CASE WHEN m.to_location_id = p.location_id THEN m.quantity ELSE 0 END), 0)
             - COALESCE(SUM(CASE WHEN m.from_location_id = p.location_id THEN m.quantity ELSE 0 END), 0)
        FROM stock_movement m WHERE m.lot_id = p.lot_id)`)),
      ...(await q(`SELECT x.lot_id, x.location_id, SUM(x.units) AS units FROM (
          SELECT lot_id, to_location_id AS location_id, quantity AS units FROM stock_movement
          WHERE to_location_id IS NOT NULL
          UNION ALL
          SELECT lot_id, from_location_id AS location_id, -quantity AS units FROM stock_movement
          WHERE from_location_id IS NOT NULL) x
        WHERE NOT EXISTS (SELECT 1 FROM lot_placement p WHERE p.lot_id = x.lot_id AND p.location_id = x.location_id)
        GROUP BY x.lot_id, x.location_id HAVING SUM(x.units) <> 0`)),
    ]),
    reservedVsOpenOrders: num(
      await q(`SELECT sl.sku_id, sl.reserved FROM stock_level sl WHERE sl.reserved <> (SELECT COALESCE(SUM(ol.quantity), 0)
      FROM order_line ol JOIN orders o ON o.id = ol.order_id WHERE ol.sku_id = sl.sku_id AND o.status IN ('PLACED', 'ALLOCATED'))`),
    ),
    allocatedVsAllocations: num(
      await q(`SELECT p.lot_id, p.location_id, p.allocated FROM lot_placement p WHERE p.allocated <> (SELECT COALESCE(SUM(a.quantity), 0)
      FROM allocation a JOIN orders o ON o.id = a.order_id WHERE a.lot_id = p.lot_id AND a.location_id = p.location_id AND o.status = 'ALLOCATED')`),
    ),
    heldVsHeldLots: num(
      await q(`SELECT sl.sku_id, sl.held_or_expired FROM stock_level sl
      WHERE sl.held_or_expired <> (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id AND l.status IN ('HELD', 'EXPIRED'))`),
    ),
    // The lot trace: unitsReceived + unitsReturned = unitsOnHand + unitsShipped + unitsWrittenOff.
    lotVsMovements: num(
      await q(`SELECT l.id, l.quantity_on_hand FROM lot l
      WHERE l.quantity_on_hand <> (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.lot_id = l.id)`),
    ),
    // What came back of each SKU of an order is at most what was shipped, and all of it when RETURNED.
    returnedVsShipped: num(
      await q(`SELECT s.order_id, s.sku_id, s.shipped, COALESCE(r.back, 0) AS back FROM
        (SELECT order_id, sku_id, SUM(quantity) AS shipped FROM stock_movement WHERE type = 'PICK' GROUP BY order_id, sku_id) s
        JOIN orders o ON o.id = s.order_id
        LEFT JOIN (SELECT order_id, sku_id, SUM(quantity) AS back FROM return_line GROUP BY order_id, sku_id) r
          ON r.order_id = s.order_id AND r.sku_id = s.sku_id
      WHERE COALESCE(r.back, 0) > s.shipped OR (o.status = 'RETURNED' AND COALESCE(r.back, 0) <> s.shipped)`),
    ),
    // Each RESALEABLE return line is its RETURN movements; a DAMAGED one has none.
    returnLinesVsMovements: num(
      await q(`SELECT rl.id, rl.quantity FROM return_line rl
      WHERE (CASE WHEN rl.\`condition\` = 'RESALEABLE' THEN rl.quantity ELSE 0 END) <>
            (SELECT COALESCE(SUM(m.quantity), 0) FROM stock_movement m WHERE m.return_line_id = rl.id AND m.type = 'RETURN')`),
    ),
    negative: num(
      await q(
        `SELECT sku_id FROM stock_level WHERE on_hand < 0 OR reserved < 0 OR held_or_expired < 0 OR on_hand - reserved - held_or_expired < 0`,
      ),
    ),
  };
}

/** What ledgerBreaks answers when every equation holds. */
export const noBreaks = {
  onHandVsMovements: [],
  onHandVsLots: [],
  lotVsPlacements: [],
  placementsVsMovements: [],
  reservedVsOpenOrders: [],
  allocatedVsAllocations: [],
  heldVsHeldLots: [],
  lotVsMovements: [],
  returnedVsShipped: [],
  returnLinesVsMovements: [],
  negative: [],
};
