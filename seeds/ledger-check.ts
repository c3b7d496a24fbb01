import { DataSource } from 'typeorm';

/**
 * The stock equations, checked with plain SQL over a whole database: per SKU
 * onHand = sum of movement deltas = sum of lot quantities, reserved = units of PLACED and ALLOCATED
 * orders, available >= 0; per lot, its placements hold its units. Returns what does not hold.
 */
export async function checkLedger(dataSource: DataSource): Promise<string[]> {
  const checks: [string, string][] = [
    [
      'on hand differs from the sum of movements',
      `SELECT sl.sku_id AS id FROM stock_level sl
      LEFT JOIN (SELECT sku_id, SUM(on_hand_delta) AS d FROM stock_movement GROUP BY sku_id) m ON m.sku_id = sl.sku_id
      WHERE sl.on_hand <> COALESCE(m.d, 0)`,
    ],
    [
      'on hand differs from the sum of lot quantities',
      `SELECT sl.sku_id AS id FROM stock_level sl
      LEFT JOIN (SELECT sku_id, SUM(quantity_on_hand) AS q FROM lot GROUP BY sku_id) l ON l.sku_id = sl.sku_id
      WHERE sl.on_hand <> COALESCE(l.q, 0)`,
    ],
    [
      'reserved differs from the units of open orders',
      `SELECT sl.sku_id AS id FROM stock_level sl
      LEFT JOIN (SELECT ol.sku_id, SUM(ol.quantity) AS q FROM order_line ol JOIN orders o ON o.id = ol.order_id
                 WHERE o.status IN ('PLACED', 'ALLOCATED') GROUP BY ol.sku_id) r ON r.sku_id = sl.sku_id
      WHERE sl.reserved <> COALESCE(r.q, 0)`,
    ],
    [
      'available is below zero',
      'SELECT sku_id AS id FROM stock_level WHERE on_hand - reserved - held_or_expired < 0',
    ],
    [
      'placements differ from the lot quantity',
      `SELECT l.id AS id FROM lot l
      LEFT JOIN (SELECT lot_id, SUM(quantity) AS q, SUM(allocated) AS a FROM lot_placement GROUP BY lot_id) p ON p.lot_id = l.id
      WHERE l.quantity_on_hand <> COALESCE(p.q, 0) OR COALESCE(p.a, 0) > l.quantity_on_hand`,
    ],
  ];
  const problems: string[] = [];
  for (const [what, sql] of checks) {
    const rows: { id: number }[] = await dataSource.query(sql);
    if (rows.length)
      problems.push(
        `${what}: ${rows.length} (e.g. id ${rows
          .slice(0, 5)
          .map((r) => r.id)
          .join(', ')})`,
      );
  }
  return problems;
}
