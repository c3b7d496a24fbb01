import { computeRollups, readRollups, rebuildRollups, RollupSet } from '../src/dashboard/rollup.service';
import { shanghaiDate } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { orderFlow } from './support/order-flow';
import { startTestApp, TestApp } from './support/test-app';

type Row = Record<string, any>;

const asDate = (value: unknown): Date =>
  value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);

/** Rows of a table as plain objects keyed "k1|k2", for comparison. */
function tableOf(set: RollupSet, table: string): Record<string, Row> {
  return Object.fromEntries(set.get(table)!);
}

/**
 * The figures recomputed straight from orders, lines and PICK movements with plain SQL, independent of the
 * rollup code: per dispatch day (Shanghai) by carrier, merchant, SKU and farm, and orders placed per day.
 */
async function recompute(app: TestApp) {
  const day = (at: unknown) => shanghaiDate(asDate(at));
  const add = (into: Record<string, Row>, key: string, values: Row) => {
    const row = (into[key] ??= Object.fromEntries(Object.keys(values).map((k) => [k, 0])));
    for (const [k, v] of Object.entries(values))
      row[k] = k === 'sales_fen' ? (BigInt(row[k]) + BigInt(v)).toString() : Number(row[k]) + Number(v);
  };
  const totals: Record<string, Row> = {};
  const carriers: Record<string, Row> = {};
  const merchants: Record<string, Row> = {};
  const skus: Record<string, Row> = {};
  const farms: Record<string, Row> = {};
  const orders: Row[] = await app.dataSource.query(
    `SELECT o.id, o.placed_at, o.dispatched_at, o.carrier_id, o.merchant_id, o.parcels, o.total_fen,
            (SELECT SUM(ol.quantity) FROM order_line ol WHERE ol.order_id = o.id) AS units
       FROM orders o`,
  );
  for (const o of orders) {
    add(totals, day(o.placed_at), {
      sales_fen: 0,
      orders_placed: 1,
      orders_dispatched: 0,
      parcels: 0,
      units: 0,
      units_returned: 0,
      sales_returned_fen: 0,
    });
    if (o.dispatched_at === null) continue;
    const d = day(o.dispatched_at);
    add(totals, d, {
      sales_fen: o.total_fen,
      orders_placed: 0,
      orders_dispatched: 1,
      parcels: o.parcels,
      units: o.units,
      units_returned: 0,
      sales_returned_fen: 0,
    });
    add(carriers, `${d}|${o.carrier_id}`, {
      sales_fen: o.total_fen,
      orders_dispatched: 1,
      parcels: o.parcels,
    });
    add(merchants, `${d}|${o.merchant_id}`, { sales_fen: o.total_fen, orders_dispatched: 1 });
  }
  const lines: Row[] = await app.dataSource.query(
    `SELECT o.dispatched_at, ol.sku_id, ol.quantity, ol.line_total_fen FROM order_line ol JOIN orders o ON o.id = ol.order_id
      WHERE o.status IN ('DISPATCHED', 'DELIVERED', 'RETURNED')`,
  );
  for (const l of lines)
    add(skus, `${day(l.dispatched_at)}|${l.sku_id}`, { sales_fen: l.line_total_fen, units: l.quantity });
  const picks: Row[] = await app.dataSource.query(
    `SELECT o.dispatched_at, l.farm_id, m.quantity, ol.unit_price_fen FROM stock_movement m
       JOIN orders o ON o.id = m.order_id JOIN lot l ON l.id = m.lot_id
       JOIN order_line ol ON ol.order_id = m.order_id AND ol.sku_id = m.sku_id
      WHERE m.type = 'PICK' AND o.status IN ('DISPATCHED', 'DELIVERED', 'RETURNED')`,
  );
  for (const p of picks) {
    add(farms, `${day(p.dispatched_at)}|${p.farm_id}`, {
      sales_fen: BigInt(p.quantity) * BigInt(p.unit_price_fen),
      units: p.quantity,
    });
  }
  // Returned units, RESALEABLE and DAMAGED, at the order line's unit price, on the day they came back.
  const returned: Row[] = await app.dataSource.query(
    `SELECT r.at, rl.quantity, ol.unit_price_fen FROM return_line rl JOIN order_return r ON r.id = rl.return_id
       JOIN order_line ol ON ol.order_id = rl.order_id AND ol.sku_id = rl.sku_id`,
  );
  for (const r of returned) {
    add(totals, day(r.at), {
      sales_fen: 0,
      orders_placed: 0,
      orders_dispatched: 0,
      parcels: 0,
      units: 0,
      units_returned: r.quantity,
      sales_returned_fen: BigInt(r.quantity) * BigInt(r.unit_price_fen),
    });
  }
  return { totals, carriers, merchants, skus, farms };
}

/** Sums daily rows "day|shard" or "day|id" to "day" or "month|id" keys. */
function regroup(
  rows: Record<string, Row>,
  keyOf: (key: string) => string,
  columns: string[],
): Record<string, Row> {
  const out: Record<string, Row> = {};
  for (const [key, row] of Object.entries(rows)) {
    const target = (out[keyOf(key)] ??= Object.fromEntries(
      columns.map((c) => [c, c === 'sales_fen' ? '0' : 0]),
    ));
    for (const c of columns)
      target[c] =
        c === 'sales_fen' ? (BigInt(target[c]) + BigInt(row[c])).toString() : target[c] + Number(row[c]);
  }
  return out;
}

const values = (rows: Record<string, Row>, columns: string[]) =>
  Object.fromEntries(
    Object.entries(rows).map(([k, row]) => [
      k,
      Object.fromEntries(columns.map((c) => [c, c === 'sales_fen' ? String(row[c]) : Number(row[c])])),
    ]),
  );

describe('rollups', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    await createReferenceData(app);
    const flow = orderFlow(app);
    // Hawthorn from two farms, so one order's units come from two farms' lots.
    await app.gql(
      'mutation { updateFarm(code: "FARM-QINSHUI-001", input: { skuCodes: ["JC-MILLET-2500G", "JC-HAWTHORN-500G"] }) { code } }',
    );
    await flow.receive('JC-HAWTHORN-500G', 'FARM-QINSHUI-001', 5, 'A-01-02', '2099-01-01');
    await flow.receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 200, 'A-01-01', '2099-06-01');
    await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 300, 'A-01-01');
    await flow.receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 100, 'C-01-01');

    await flow.deliver(
      await flow.ship(
        'M-BAOFU-01',
        [
          ['JC-HAWTHORN-500G', 8],
          ['JC-MILLET-2500G', 2],
        ],
        'SF',
        3,
      ),
    );
    await flow.ship('M-BEIJIE-02', [['JC-PEAR-5KG', 7]], 'YTO', 1);
    await flow.cancel(await flow.place('M-BAOFU-01', [['JC-MILLET-2500G', 4]]));
    const allocated = await flow.place('M-BEIJIE-02', [
      ['JC-MILLET-2500G', 1],
      ['JC-PEAR-5KG', 1],
    ]);
    await flow.allocate(allocated);
    await flow.cancel(allocated);
    await flow.place('M-BAOFU-01', [['JC-HAWTHORN-500G', 1]]);
    const picked = await flow.place('M-BEIJIE-02', [['JC-MILLET-2500G', 9]]);
    await flow.allocate(picked);
    await flow.pick(picked);
    // A burst at once: concurrent transactions meeting on the same rollup rows.
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        flow.place(i % 2 ? 'M-BAOFU-01' : 'M-BEIJIE-02', [
          ['JC-MILLET-2500G', 1 + i],
          ['JC-HAWTHORN-500G', 1],
        ]),
      ),
    );
    await Promise.all(burst.map((n) => flow.allocate(n)));
    await Promise.all(burst.map((n) => flow.pick(n)));
    await Promise.all(burst.map((n, i) => flow.dispatch(n, i % 3 ? 'SF' : 'YTO', 1 + (i % 2))));
    // Returns: part of one burst order, then the rest of it; and a damaged unit of another.
    await flow.returnOrder(burst[0], [['JC-MILLET-2500G', 1, 'RESALEABLE']], 'A-01-01');
    await flow.returnOrder(burst[0], [['JC-HAWTHORN-500G', 1, 'DAMAGED']]);
    await flow.returnOrder(
      burst[3],
      [
        ['JC-MILLET-2500G', 4, 'RESALEABLE'],
        ['JC-HAWTHORN-500G', 1, 'DAMAGED'],
      ],
      'A-01-02',
    );
    await flow.returnOrder(burst[5], [['JC-MILLET-2500G', 1, 'DAMAGED']]);
  });

  afterAll(() => app.close());

  it('equal a recomputation from orders, lines, PICK movements and returns', async () => {
    const stored = await readRollups(app.dataSource.manager);
    const expected = await recompute(app);
    const totals = [
      'sales_fen',
      'orders_placed',
      'orders_dispatched',
      'parcels',
      'units',
      'units_returned',
      'sales_returned_fen',
    ];
    const byShardDay = regroup(tableOf(stored, 'daily_sales'), (key) => key.split('|')[0], totals);
    expect(byShardDay).toEqual(values(expected.totals, totals));
    expect(Object.values(expected.totals).reduce((n, r) => n + r.units_returned, 0)).toBe(8);
    expect(tableOf(stored, 'daily_sales_by_carrier')).toEqual(
      Object.fromEntries(
        Object.entries(expected.carriers).map(([k, r]) => [
          k,
          {
            day: k.split('|')[0],
            carrier_id: Number(k.split('|')[1]),
            ...values({ r }, ['sales_fen', 'orders_dispatched', 'parcels']).r,
          },
        ]),
      ),
    );
    const dims = [
      ['merchant', expected.merchants, ['sales_fen', 'orders_dispatched']],
      ['sku', expected.skus, ['sales_fen', 'units']],
      ['farm', expected.farms, ['sales_fen', 'units']],
    ] as const;
    for (const [dim, rows, columns] of dims) {
      const daily = tableOf(stored, `daily_sales_by_${dim}`);
      expect(values(daily, [...columns])).toEqual(values(rows, [...columns]));
      const monthly = regroup(daily, (key) => `${key.slice(0, 7)}-01|${key.split('|')[1]}`, [...columns]);
      expect(values(tableOf(stored, `monthly_sales_by_${dim}`), [...columns])).toEqual(monthly);
    }
    // The burst and the first two shipments: 10 dispatched orders, hawthorn sold from both farms.
    expect(Object.values(expected.totals).reduce((n, r) => n + r.orders_dispatched, 0)).toBe(10);
    expect(Object.keys(expected.farms)).toHaveLength(2);
  });

  it('are rebuilt from scratch to the same rows', async () => {
    const stored = await readRollups(app.dataSource.manager);
    expect(await computeRollups(app.dataSource.manager)).toEqual(stored);
    for (const table of stored.keys()) await app.dataSource.query(`DELETE FROM ${table}`);
    await rebuildRollups(app.dataSource);
    expect(await readRollups(app.dataSource.manager)).toEqual(stored);
  });
});
