import { createReferenceData } from './support/fixtures';
import { countSql } from './support/sql-counter';
import { startTestApp, TestApp } from './support/test-app';

const NESTED = `query($n: Int!) { orders(first: $n) { nodes { merchant { name } lines { sku { code suppliers { name } stock { available } } } } } }`;

let app: TestApp;
const MERCHANTS = 10;
const SKUS = 20;
const FARMS = 10;
const ORDERS = 110;
const pad = (n: number) => String(n + 1).padStart(2, '0');

/**
 * Enough distinct merchants, SKUs and farms that loading one key per statement would show: the newest 5
 * orders reach 5 merchants and about a dozen SKUs, the newest 50 and 100 every merchant, SKU and farm.
 * Everything is created through the API.
 */
beforeAll(async () => {
  app = await startTestApp({ MAX_QUERY_COST: '100000' });
  // The webhook dispatcher polls the outbox in the background: those statements are no request's.
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
  const must = async (query: string, input: Record<string, unknown>) => {
    const res = await app.gql(query, { input });
    if (res.errors) throw new Error(`fixture failed: ${JSON.stringify(res.errors)}`);
  };
  const skuCode = (j: number) => `SQL-SKU-${pad(j)}`;
  for (let j = 0; j < SKUS; j++) {
    await must('mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }', {
      code: skuCode(j),
      name: `SKU ${pad(j)}`,
      category: 'GRAIN',
      unit: 'bag',
      unitWeightGrams: 500,
      storageZone: 'AMBIENT',
      shelfLifeDays: 365,
      price: '10.00',
    });
  }
  // Farm f supplies SKUs f and f + 10.
  for (let f = 0; f < FARMS; f++) {
    await must('mutation($input: CreateFarmInput!) { createFarm(input: $input) { id } }', {
      code: `FARM-SQL-${pad(f)}`,
      name: `Farm ${pad(f)}`,
      village: 'Gaodu',
      township: 'Gaodu',
      county: 'Zezhou',
      skuCodes: [skuCode(f), skuCode(f + FARMS)],
    });
  }
  for (let k = 0; k < MERCHANTS; k++) {
    await must('mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { id } }', {
      code: `M-SQL-${pad(k)}`,
      name: `Merchant ${pad(k)}`,
      village: 'Gaodu',
      platform: 'DOUYIN',
    });
  }
  for (let j = 0; j < SKUS; j++) {
    await must('mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }', {
      idempotencyKey: `receipt-${j}`,
      skuCode: skuCode(j),
      farmCode: `FARM-SQL-${pad(j % FARMS)}`,
      quantity: 1000,
      locationCode: 'A-01-01',
    });
  }
  // Order i: merchant i % 10, one to three of the SKUs i, i + 7 and i + 13 (mod 20).
  for (let i = 0; i < ORDERS; i++) {
    const lines = [0, 7, 13]
      .slice(0, 1 + (i % 3))
      .map((d) => ({ skuCode: skuCode((i + d) % SKUS), quantity: 1 }));
    await must('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
      idempotencyKey: `order-${i}`,
      merchantCode: `M-SQL-${pad(i % MERCHANTS)}`,
      lines,
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    });
  }
});
afterAll(() => app.close());

describe('SQL statements of a nested order page', () => {
  it('does not grow with the page size: N = 5, 50 and 100 issue the same number', async () => {
    const counts: Record<number, number> = {};
    const reached: Record<number, { merchants: number; skus: number; farms: number }> = {};
    for (const n of [5, 50, 100]) {
      const sql = countSql(app.dataSource);
      const body = await app.gql(NESTED, { n });
      const count = sql.count;
      sql.restore();
      expect(body.errors).toBeUndefined();
      const nodes = body.data.orders.nodes;
      expect(nodes).toHaveLength(n);
      const lines = nodes.flatMap((o: any) => o.lines);
      reached[n] = {
        merchants: new Set(nodes.map((o: any) => o.merchant.name)).size,
        skus: new Set(lines.map((l: any) => l.sku.code)).size,
        farms: new Set(lines.flatMap((l: any) => l.sku.suppliers.map((f: any) => f.name))).size,
      };
      counts[n] = count;
    }
    // The fixture does what it claims: the larger pages reach many more keys of every loader.
    expect(reached[5]).toEqual({ merchants: 5, skus: expect.any(Number), farms: expect.any(Number) });
    expect(reached[5].skus).toBeLessThan(SKUS);
    expect(reached[5].farms).toBeLessThan(FARMS);
    expect(reached[50]).toEqual({ merchants: MERCHANTS, skus: SKUS, farms: FARMS });
    expect(reached[100]).toEqual({ merchants: MERCHANTS, skus: SKUS, farms: FARMS });
    console.log(
      `SQL statements for the nested orders query (${app.dataSource.options.type}): N=5 -> ${counts[5]}, N=50 -> ${counts[50]}, N=100 -> ${counts[100]}`,
    );
    expect(counts[50]).toBe(counts[5]);
    expect(counts[100]).toBe(counts[5]);
    // One statement per level at most: orders, merchants, lines, SKUs, suppliers (links + farms), stock
    // levels.
    expect(counts[5]).toBeLessThanOrEqual(8);
  });

  it('counts statements for real: a query that touches more tables issues more', async () => {
    const sql = countSql(app.dataSource);
    await app.gql('{ orders(first: 5) { nodes { number } } }');
    const small = sql.count;
    await app.gql(NESTED, { n: 5 });
    const large = sql.count - small;
    sql.restore();
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });
});
