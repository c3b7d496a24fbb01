import { DataSource } from 'typeorm';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Counts the SQL statements sent through the data source's query runners while `work` runs. */
async function countStatements(
  dataSource: DataSource,
  work: () => Promise<void>,
): Promise<{ count: number; statements: string[] }> {
  const runner = dataSource.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as {
    query: (sql: string, ...rest: unknown[]) => Promise<unknown>;
  };
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
  // The webhook dispatcher polls the outbox in the background: those statements are no request's.
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
  // Stock arrives and sixty orders of two merchants are placed through the API, one to three lines each.
  const receipts: [string, string, string][] = [
    ['JC-MILLET-2500G', 'FARM-QINSHUI-001', 'A-01-01'],
    ['JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 'A-01-02'],
    ['JC-PEAR-5KG', 'FARM-ZEZHOU-002', 'C-01-01'],
  ];
  for (const [skuCode, farmCode, locationCode] of receipts) {
    const res = await app.gql('mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }', {
      input: { idempotencyKey: `receipt-${skuCode}`, skuCode, farmCode, quantity: 500, locationCode },
    });
    expect(res.errors).toBeUndefined();
  }
  for (let i = 0; i < 60; i++) {
    const lines = receipts.slice(0, 1 + (i % 3)).map(([skuCode]) => ({ skuCode, quantity: 1 }));
    const res = await app.gql('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
      input: {
        idempotencyKey: `order-${i}`,
        merchantCode: i % 2 ? 'M-BAOFU-01' : 'M-BEIJIE-02',
        lines,
        destination: { stationCode: 'ST-GAODU-BAOFU' },
      },
    });
    expect(res.errors).toBeUndefined();
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
    console.log(
      `SQL statements for the nested orders query (${app.dataSource.options.type}): N=5 -> ${counts[5]}, N=50 -> ${counts[50]}`,
    );
    expect(counts[50]).toBe(counts[5]);
    // One statement per level at most: orders, merchants, lines, SKUs, suppliers (links + farms), stock
    // levels.
    expect(counts[5]).toBeLessThanOrEqual(8);
  });

  it('counts statements for real: a query that touches more tables issues more', async () => {
    const small = await countStatements(app.dataSource, async () => {
      await app.gql('{ orders(first: 5) { nodes { number } } }');
    });
    const large = await countStatements(app.dataSource, async () => {
      await app.gql(NESTED, { n: 5 });
    });
    expect(small.count).toBeGreaterThan(0);
    expect(large.count).toBeGreaterThan(small.count);
  });
});
