import { DataSource } from 'typeorm';
import { Farm } from '../src/catalog/farm.entity';
import { Sku } from '../src/catalog/sku.entity';
import { OrderStatus } from '../src/graphql/enums';
import { Merchant } from '../src/orders/merchant.entity';
import { OrderEvent } from '../src/orders/order-event.entity';
import { OrderLine } from '../src/orders/order-line.entity';
import { Order } from '../src/orders/order.entity';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Counts the SQL statements sent through the data source's query runners while `work` runs. */
async function countStatements(dataSource: DataSource, work: () => Promise<void>): Promise<{ count: number; statements: string[] }> {
  const runner = dataSource.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as { query: (sql: string, ...rest: unknown[]) => Promise<unknown> };
  await runner.release();
  const original = proto.query;
  const statements: string[] = [];
  proto.query = function (this: unknown, sql: string, ...rest: unknown[]) {
    statements.push(sql);
    return original.call(this, sql, ...rest);
  };
  try {
    await work();
  } finally {
    proto.query = original;
  }
  return { count: statements.length, statements };
}

const NESTED = `query($n: Int!) { orders(first: $n) { nodes { merchant { name } lines { sku { code suppliers { name } stock { available } } } } } }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  // Sixty orders of two merchants, each with one to three lines over the fixture's SKUs, written as rows.
  const m = app.dataSource.manager;
  const merchants = await m.find(Merchant);
  const skus = await m.find(Sku);
  expect((await m.find(Farm)).length).toBeGreaterThan(0);
  for (let i = 0; i < 60; i++) {
    const order = await m.save(m.create(Order, {
      number: `GD-20261129-${String(i + 1).padStart(6, '0')}`, merchantId: merchants[i % merchants.length].id,
      idempotencyKey: `sql-count-${i}`, requestHash: 'x'.repeat(64), status: OrderStatus.PLACED, totalFen: 0n,
      stationId: null, recipientName: 'Li Na', recipientPhone: '13900000000', address: 'Baofu village', city: 'Jincheng', province: 'Shanxi',
      carrierId: null, trackingNumber: null, parcels: null, weightGrams: null, placedAt: new Date(),
      dispatchedAt: null, deliveredAt: null, cancelledAt: null, cancelReason: null,
    }));
    const lines = skus.slice(0, 1 + (i % skus.length)).map((sku) => m.create(OrderLine, {
      orderId: order.id, skuId: sku.id, quantity: 1, unitPriceFen: sku.priceFen, lineTotalFen: sku.priceFen,
    }));
    await m.save(lines);
    await m.save(m.create(OrderEvent, { orderId: order.id, status: OrderStatus.PLACED, at: new Date(), actor: 'test', note: null }));
  }
});
afterAll(() => app.close());

describe('SQL statements of a nested order page', () => {
  it('does not grow with the page size: N = 5 and N = 50 issue the same number', async () => {
    const counts: Record<number, number> = {};
    for (const n of [5, 50]) {
      let body: any;
      const { count } = await countStatements(app.dataSource, async () => {
        body = await app.gql(NESTED, { n });
      });
      expect(body.errors).toBeUndefined();
      expect(body.data.orders.nodes).toHaveLength(n);
      expect(body.data.orders.nodes[0].lines[0].sku.suppliers.length).toBeGreaterThan(0);
      counts[n] = count;
    }
    console.log(`SQL statements for the nested orders query (${app.dataSource.options.type}): N=5 -> ${counts[5]}, N=50 -> ${counts[50]}`);
    expect(counts[50]).toBe(counts[5]);
    // One statement per level at most: orders, merchants, lines, SKUs, suppliers (links + farms), stock levels.
    expect(counts[5]).toBeLessThanOrEqual(8);
  });

  it('counts statements for real: a query that touches more tables issues more', async () => {
    const small = await countStatements(app.dataSource, async () => { await app.gql('{ orders(first: 5) { nodes { number } } }'); });
    const large = await countStatements(app.dataSource, async () => { await app.gql(NESTED, { n: 5 }); });
    expect(small.count).toBeGreaterThan(0);
    expect(large.count).toBeGreaterThan(small.count);
  });
});
