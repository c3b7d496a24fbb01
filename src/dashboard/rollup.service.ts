import { DataSource, EntityManager } from 'typeorm';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import { shanghaiDate } from '../time';

/**
 * Daily (and, for the wide breakdowns, monthly) rollups of sales, kept by the order write paths in
 * the same transaction as the state change, so the dashboard reads a few hundred rows, not orders.
 *
 * How a rollup row changes: `UPDATE ... SET x = x + ? WHERE key`, and when no row matched, an INSERT;
 * a duplicate key there means a concurrent transaction inserted the row first, so the UPDATE runs
 * again (it now matches). We chose this over insert-only delta rows aggregated at read time because
 * the dashboard must stay fast over a year: delta rows would grow with the number of orders, these
 * rows grow only with days x keys. Every statement is portable (SQLite, MySQL, MariaDB, TiDB).
 * Rows are touched in a fixed order (tables as listed, keys ascending) to keep lock order stable.
 */

/** daily_sales is split over this many rows per day (order id modulo), against a hot row on placeOrder. */
export const ROLLUP_SHARDS = 16;

export interface RollupTable {
  table: string;
  keys: string[];
  values: string[];
}

/** Every rollup table, its key columns and its additive value columns. */
export const ROLLUP_TABLES: Record<string, RollupTable> = {
  daily_sales: {
    table: 'daily_sales',
    keys: ['day', 'shard'],
    values: [
      'sales_fen',
      'orders_placed',
      'orders_dispatched',
      'parcels',
      'units',
      'units_returned',
      'sales_returned_fen',
    ],
  },
  daily_sales_by_carrier: {
    table: 'daily_sales_by_carrier',
    keys: ['day', 'carrier_id'],
    values: ['sales_fen', 'orders_dispatched', 'parcels'],
  },
  daily_sales_by_merchant: {
    table: 'daily_sales_by_merchant',
    keys: ['day', 'merchant_id'],
    values: ['sales_fen', 'orders_dispatched'],
  },
  monthly_sales_by_merchant: {
    table: 'monthly_sales_by_merchant',
    keys: ['month', 'merchant_id'],
    values: ['sales_fen', 'orders_dispatched'],
  },
  daily_sales_by_sku: {
    table: 'daily_sales_by_sku',
    keys: ['day', 'sku_id'],
    values: ['sales_fen', 'units'],
  },
  monthly_sales_by_sku: {
    table: 'monthly_sales_by_sku',
    keys: ['month', 'sku_id'],
    values: ['sales_fen', 'units'],
  },
  daily_sales_by_farm: {
    table: 'daily_sales_by_farm',
    keys: ['day', 'farm_id'],
    values: ['sales_fen', 'units'],
  },
  monthly_sales_by_farm: {
    table: 'monthly_sales_by_farm',
    keys: ['month', 'farm_id'],
    values: ['sales_fen', 'units'],
  },
};

export type RollupValue = string | number;
/** One row of a rollup: key columns and value columns by SQL name. */
export type RollupRow = Record<string, RollupValue>;

/** The first day of the month of a YYYY-MM-DD date. */
export function monthOf(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** Adds `deltas` to the row of `keys` in `spec`, creating it when missing. */
async function bump(
  manager: EntityManager,
  spec: RollupTable,
  keys: RollupValue[],
  values: RollupValue[],
): Promise<void> {
  // One order's figures are far below 2^53 fen: plain numbers add exactly, in every driver.
  const deltas = values.map(Number);
  const set = spec.values.map((column) => `${column} = ${column} + ?`).join(', ');
  const where = spec.keys.map((column) => `${column} = ?`).join(' AND ');
  const runner = manager.queryRunner;
  if (!runner) throw new Error('rollups change only inside a transaction');
  const columns = [...spec.keys, ...spec.values];
  if (manager.connection.options.type === 'mysql') {
    // One upsert. An UPDATE of a row not there yet would take a gap lock that the INSERT after it then
    // waits for when another order of the same day does the same: a deadlock at each new day's rows.
    await runner.query(
      `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON DUPLICATE KEY UPDATE ${spec.values.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')}`,
      [...keys, ...deltas],
    );
    return;
  }
  const update = async () => {
    const result = await runner.query(
      `UPDATE ${spec.table} SET ${set} WHERE ${where}`,
      [...deltas, ...keys],
      true,
    );
    return Number(result.affected ?? 0);
  };
  if ((await update()) > 0) return;
  try {
    await manager.query(
      `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      [...keys, ...deltas],
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if ((await update()) === 0) {
      throw new Error(`rollup row of ${spec.table} vanished after a duplicate key`, { cause: error });
    }
  }
}

export interface PlacedOrder {
  id: number;
  placedAt: Date;
}

/**
 * placeOrder: one more order placed on the Shanghai day of `placedAt`. Call inside placeOrder's transaction.
 */
export function recordOrderPlaced(manager: EntityManager, order: PlacedOrder): Promise<void> {
  return recordOrdersPlaced(manager, [order]);
}

/**
 * placeOrder of several orders in one transaction (merged reservations): one change per (day, shard),
 * keys ascending.
 */
export async function recordOrdersPlaced(manager: EntityManager, orders: PlacedOrder[]): Promise<void> {
  const counts = new Map<string, { day: string; shard: number; orders: number }>();
  for (const order of orders) {
    const day = shanghaiDate(order.placedAt);
    const shard = order.id % ROLLUP_SHARDS;
    const key = `${day}/${String(shard).padStart(2, '0')}`;
    const entry = counts.get(key) ?? { day, shard, orders: 0 };
    entry.orders++;
    counts.set(key, entry);
  }
  for (const key of [...counts.keys()].sort()) {
    const { day, shard, orders: n } = counts.get(key)!;
    await bump(manager, ROLLUP_TABLES.daily_sales, [day, shard], [0, n, 0, 0, 0, 0, 0]);
  }
}

export interface DispatchedOrder {
  id: number;
  merchantId: number;
  carrierId: number | null;
  parcels: number | null;
  dispatchedAt: Date | null;
}

/**
 * dispatchOrder: adds the order's sales, parcels and units to the day of `dispatchedAt` by carrier,
 * merchant, SKU (its lines) and farm (the lots its PICK movements took units from, at the line's
 * unit price). Call inside dispatchOrder's transaction, after the picks and the order's dispatch
 * fields are known.
 */
export async function recordOrderDispatched(manager: EntityManager, order: DispatchedOrder): Promise<void> {
  if (!order.dispatchedAt || order.carrierId === null)
    throw new Error(`order ${order.id} has no dispatch time or carrier`);
  const lines: { sku_id: number; quantity: number; line_total_fen: string | number }[] = await manager.query(
    'SELECT sku_id, quantity, line_total_fen FROM order_line WHERE order_id = ? ORDER BY sku_id',
    [order.id],
  );
  const picks: { farm_id: number; units: string | number; sales_fen: string | number }[] =
    await manager.query(
      `SELECT l.farm_id AS farm_id, SUM(m.quantity) AS units, SUM(m.quantity * ol.unit_price_fen) AS sales_fen
       FROM stock_movement m
       JOIN lot l ON l.id = m.lot_id
       JOIN order_line ol ON ol.order_id = m.order_id AND ol.sku_id = m.sku_id
      WHERE m.order_id = ? AND m.type = 'PICK'
      GROUP BY l.farm_id ORDER BY l.farm_id`,
      [order.id],
    );
  const figures = dispatchFigures(order, lines, picks);
  for (const [table, rows] of figures) {
    const spec = ROLLUP_TABLES[table];
    for (const row of rows)
      await bump(
        manager,
        spec,
        spec.keys.map((k) => row[k]),
        spec.values.map((v) => row[v]),
      );
  }
}

/**
 * The rollup rows one dispatched order contributes, table by table (in ROLLUP_TABLES order).
 * Shared by the incremental path and the rebuild, so both count the same way.
 */
export function dispatchFigures(
  order: DispatchedOrder,
  lines: { sku_id: number; quantity: number; line_total_fen: string | number }[],
  picks: { farm_id: number; units: string | number; sales_fen: string | number }[],
): [string, RollupRow[]][] {
  const day = shanghaiDate(order.dispatchedAt!);
  const month = monthOf(day);
  const sales = lines.reduce((sum, line) => sum + BigInt(line.line_total_fen), 0n).toString();
  const units = lines.reduce((sum, line) => sum + Number(line.quantity), 0);
  const parcels = order.parcels ?? 0;
  const skuRows = lines.map((line) => ({
    sku_id: Number(line.sku_id),
    sales_fen: BigInt(line.line_total_fen).toString(),
    units: Number(line.quantity),
  }));
  const farmRows = picks.map((pick) => ({
    farm_id: Number(pick.farm_id),
    sales_fen: BigInt(pick.sales_fen).toString(),
    units: Number(pick.units),
  }));
  return [
    [
      'daily_sales',
      [
        {
          day,
          shard: order.id % ROLLUP_SHARDS,
          sales_fen: sales,
          orders_placed: 0,
          orders_dispatched: 1,
          parcels,
          units,
          units_returned: 0,
          sales_returned_fen: '0',
        },
      ],
    ],
    [
      'daily_sales_by_carrier',
      [{ day, carrier_id: order.carrierId!, sales_fen: sales, orders_dispatched: 1, parcels }],
    ],
    [
      'daily_sales_by_merchant',
      [{ day, merchant_id: order.merchantId, sales_fen: sales, orders_dispatched: 1 }],
    ],
    [
      'monthly_sales_by_merchant',
      [{ month, merchant_id: order.merchantId, sales_fen: sales, orders_dispatched: 1 }],
    ],
    ['daily_sales_by_sku', skuRows.map((row) => ({ day, ...row }))],
    ['monthly_sales_by_sku', skuRows.map((row) => ({ month, ...row }))],
    ['daily_sales_by_farm', farmRows.map((row) => ({ day, ...row }))],
    ['monthly_sales_by_farm', farmRows.map((row) => ({ month, ...row }))],
  ];
}

export interface ReturnedUnits {
  orderId: number;
  returnedAt: Date;
  /** RESALEABLE and DAMAGED alike. */
  units: number;
  /** The units at their order line's unit price. */
  valueFen: bigint;
}

/** SQL of the units and value of returns, one row per return: return_id, order_id, at, units, value_fen. */
const RETURNS_SQL = `SELECT r.id AS return_id, r.order_id AS order_id, r.at AS at, SUM(rl.quantity) AS units,
         SUM(rl.quantity * ol.unit_price_fen) AS value_fen
    FROM order_return r
    JOIN return_line rl ON rl.return_id = r.id
    JOIN order_line ol ON ol.order_id = rl.order_id AND ol.sku_id = rl.sku_id`;

/** The daily_sales row one return contributes: its units and value on the Shanghai day they came back. */
export function returnFigures(returned: ReturnedUnits): RollupRow {
  return {
    day: shanghaiDate(returned.returnedAt),
    shard: returned.orderId % ROLLUP_SHARDS,
    sales_fen: '0',
    orders_placed: 0,
    orders_dispatched: 0,
    parcels: 0,
    units: 0,
    units_returned: returned.units,
    sales_returned_fen: returned.valueFen.toString(),
  };
}

/**
 * returnOrder: adds the return's units and their value at the order's unit prices to the day they came back.
 * Call inside returnOrder's transaction, after its return lines are written.
 */
export async function recordOrderReturned(manager: EntityManager, returnId: number): Promise<void> {
  const rows: Record<string, unknown>[] = await manager.query(
    `${RETURNS_SQL} WHERE r.id = ? GROUP BY r.id, r.order_id, r.at`,
    [returnId],
  );
  if (rows.length !== 1) throw new Error(`return ${returnId} has no lines`);
  const row = returnFigures(returnedUnitsOf(rows[0]));
  const spec = ROLLUP_TABLES.daily_sales;
  await bump(
    manager,
    spec,
    spec.keys.map((k) => row[k]),
    spec.values.map((v) => row[v]),
  );
}

function returnedUnitsOf(row: Record<string, unknown>): ReturnedUnits {
  return {
    orderId: Number(row.order_id),
    returnedAt: instant(row.at),
    units: Number(row.units),
    valueFen: BigInt(String(row.value_fen)),
  };
}

/** Rollup rows by table, each keyed by its key columns joined with "|". */
export type RollupSet = Map<string, Map<string, RollupRow>>;

export function emptyRollups(): RollupSet {
  return new Map(Object.keys(ROLLUP_TABLES).map((table) => [table, new Map()]));
}

function addRow(set: RollupSet, table: string, row: RollupRow): void {
  const spec = ROLLUP_TABLES[table];
  const key = spec.keys.map((k) => row[k]).join('|');
  const rows = set.get(table)!;
  const existing = rows.get(key);
  if (!existing) {
    rows.set(key, { ...row });
    return;
  }
  for (const column of spec.values) {
    existing[column] = column.endsWith('_fen')
      ? (BigInt(existing[column]) + BigInt(row[column])).toString()
      : Number(existing[column]) + Number(row[column]);
  }
}

/** A DATETIME as read back: a Date from mysql2, UTC text from SQLite. */
function instant(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}

const BATCH = 10_000;

/**
 * Recomputes every rollup row from orders, order lines, PICK movements and returns, reading orders in
 * batches of ids (the Shanghai day is computed here, not in SQL, to keep the SQL portable).
 */
export async function computeRollups(
  manager: EntityManager,
  progress?: (done: number) => void,
): Promise<RollupSet> {
  const set = emptyRollups();
  let after = 0;
  let done = 0;
  for (;;) {
    const orders: {
      id: number;
      merchant_id: number;
      carrier_id: number | null;
      parcels: number | null;
      placed_at: unknown;
      dispatched_at: unknown;
    }[] = await manager.query(
      'SELECT id, merchant_id, carrier_id, parcels, placed_at, dispatched_at FROM orders WHERE id > ? ORDER BY id LIMIT ?',
      [after, BATCH],
    );
    if (orders.length === 0) break;
    const first = Number(orders[0].id);
    const last = Number(orders[orders.length - 1].id);
    after = last;
    const lines: { order_id: number; sku_id: number; quantity: number; line_total_fen: string | number }[] =
      await manager.query(
        'SELECT order_id, sku_id, quantity, line_total_fen FROM order_line WHERE order_id >= ? AND order_id <= ? ORDER BY order_id, sku_id',
        [first, last],
      );
    const picks: { order_id: number; farm_id: number; units: string | number; sales_fen: string | number }[] =
      await manager.query(
        `SELECT m.order_id AS order_id, l.farm_id AS farm_id, SUM(m.quantity) AS units, SUM(m.quantity * ol.unit_price_fen) AS sales_fen
         FROM stock_movement m
         JOIN lot l ON l.id = m.lot_id
         JOIN order_line ol ON ol.order_id = m.order_id AND ol.sku_id = m.sku_id
        WHERE m.order_id >= ? AND m.order_id <= ? AND m.type = 'PICK'
        GROUP BY m.order_id, l.farm_id`,
        [first, last],
      );
    const linesOf = groupBy(lines, (line) => Number(line.order_id));
    const picksOf = groupBy(picks, (pick) => Number(pick.order_id));
    for (const row of orders) {
      const id = Number(row.id);
      const order: PlacedOrder & DispatchedOrder = {
        id,
        merchantId: Number(row.merchant_id),
        carrierId: row.carrier_id === null ? null : Number(row.carrier_id),
        parcels: row.parcels === null ? null : Number(row.parcels),
        placedAt: instant(row.placed_at),
        dispatchedAt:
          row.dispatched_at === null || row.dispatched_at === undefined ? null : instant(row.dispatched_at),
      };
      addOrderToRollups(
        set,
        order,
        linesOf.get(id) ?? [],
        (picksOf.get(id) ?? []).sort((a, b) => a.farm_id - b.farm_id),
      );
    }
    const returns: Record<string, unknown>[] = await manager.query(
      `${RETURNS_SQL} WHERE r.order_id >= ? AND r.order_id <= ? GROUP BY r.id, r.order_id, r.at`,
      [first, last],
    );
    for (const row of returns) addRow(set, 'daily_sales', returnFigures(returnedUnitsOf(row)));
    done += orders.length;
    progress?.(done);
  }
  return set;
}

/**
 * Adds one order's figures to `set`: placed, and when it has a dispatch time, dispatched (picks by farm,
 * ascending).
 */
export function addOrderToRollups(
  set: RollupSet,
  order: PlacedOrder & DispatchedOrder,
  lines: { sku_id: number; quantity: number; line_total_fen: string | number }[],
  picks: { farm_id: number; units: string | number; sales_fen: string | number }[],
): void {
  addRow(set, 'daily_sales', {
    day: shanghaiDate(order.placedAt),
    shard: order.id % ROLLUP_SHARDS,
    sales_fen: '0',
    orders_placed: 1,
    orders_dispatched: 0,
    parcels: 0,
    units: 0,
    units_returned: 0,
    sales_returned_fen: '0',
  });
  if (order.dispatchedAt === null) return;
  for (const [table, rows] of dispatchFigures(order, lines, picks)) {
    for (const row of rows) addRow(set, table, row);
  }
}

function groupBy<T>(rows: T[], key: (row: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** The rollup rows as stored, in the same shape as computeRollups (rows of only zeros left out). */
export async function readRollups(manager: EntityManager): Promise<RollupSet> {
  const set = emptyRollups();
  for (const spec of Object.values(ROLLUP_TABLES)) {
    const rows: RollupRow[] = await manager.query(
      `SELECT ${[...spec.keys, ...spec.values].join(', ')} FROM ${spec.table}`,
    );
    for (const row of rows) {
      if (spec.values.every((v) => BigInt(row[v]) === 0n)) continue;
      const normal: RollupRow = {};
      for (const k of spec.keys)
        normal[k] = k === 'day' || k === 'month' ? String(row[k]).slice(0, 10) : Number(row[k]);
      for (const v of spec.values)
        normal[v] = v.endsWith('_fen') ? BigInt(row[v]).toString() : Number(row[v]);
      addRow(set, spec.table, normal);
    }
  }
  return set;
}

/** Replaces every rollup row with `set`, in multi-row INSERTs, inside the caller's transaction. */
export async function writeRollups(
  manager: EntityManager,
  set: RollupSet,
  rowsPerInsert = 500,
): Promise<void> {
  for (const spec of Object.values(ROLLUP_TABLES)) {
    await manager.query(`DELETE FROM ${spec.table}`);
    const columns = [...spec.keys, ...spec.values];
    const rows = [...set.get(spec.table)!.values()];
    for (let i = 0; i < rows.length; i += rowsPerInsert) {
      const chunk = rows.slice(i, i + rowsPerInsert);
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      await manager.query(
        `INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`,
        chunk.flatMap((row) => columns.map((c) => row[c])),
      );
    }
  }
}

/**
 * Recomputes every rollup from the orders and replaces what is stored (`npm run rebuild-rollups`).
 * Run it while no order is being placed or dispatched: a change made during the rebuild may be lost.
 */
export async function rebuildRollups(
  dataSource: DataSource,
  progress?: (done: number) => void,
): Promise<RollupSet> {
  const set = await computeRollups(dataSource.manager, progress);
  await inTransaction(dataSource, (manager) => writeRollups(manager, set));
  return set;
}
