import { createReferenceData } from './support/fixtures';
import { orderFlow } from './support/order-flow';
import { GraphQLResponse, startTestApp, TestApp } from './support/test-app';

/**
 * One rule for what can be sold: StockLevel.available/isLow, the SKU filter and sort, the dashboard and
 * reservations agree, also while a lot is past its expiry date and not yet written off. The expired lots
 * expire on a fixed date long past, so the answer does not depend on today's date.
 */
let app: TestApp;
const PAST = '2020-01-01';
const FUTURE = '2099-12-31';

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app); // every SKU's lowStockThreshold is 5
  const flow = orderFlow(app);
  await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 20, 'A-01-01', FUTURE);
  // Hawthorn: 33 on hand, 30 of them past expiry and not written off: 3 available, low.
  await flow.receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 30, 'A-01-02', PAST);
  await flow.receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 3, 'A-01-02', FUTURE);
  // Pear: 17 on hand, 9 past expiry: 8 available, not low.
  await flow.receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 8, 'C-01-01', FUTURE);
  await flow.receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 9, 'C-01-01', PAST);
});
afterAll(() => app.close());

interface Level {
  code: string;
  available: number;
  isLow: boolean;
}

async function levels(): Promise<Level[]> {
  const res = await app.gql('{ skus(first: 50) { nodes { code stock { available isLow } } } }');
  expect(res.errors).toBeUndefined();
  return res.data.skus.nodes.map((n: { code: string; stock: Omit<Level, 'code'> }) => ({
    code: n.code,
    ...n.stock,
  }));
}

/** Every page of a skus query, one SKU a page, so the cursor's availability is used too. */
async function walk(variables: Record<string, unknown>): Promise<string[]> {
  const codes: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const res: GraphQLResponse = await app.gql(
      `query($after: String, $filter: SkuFilter, $orderBy: SkuOrder) {
        skus(first: 1, after: $after, filter: $filter, orderBy: $orderBy) {
          nodes { code } pageInfo { hasNextPage endCursor } } }`,
      { ...variables, after },
    );
    expect(res.errors).toBeUndefined();
    codes.push(...res.data.skus.nodes.map((n: { code: string }) => n.code));
    if (!res.data.skus.pageInfo.hasNextPage) return codes;
    after = res.data.skus.pageInfo.endCursor;
  }
  throw new Error('more pages than SKUs');
}

/** lowStock and AVAILABLE agree with StockLevel, and the dashboard lists the same low SKUs. */
async function expectAgreement(): Promise<Level[]> {
  const all = await levels();
  expect(await walk({ filter: { lowStock: true } })).toEqual(all.filter((l) => l.isLow).map((l) => l.code));
  expect(await walk({ filter: { lowStock: false } })).toEqual(all.filter((l) => !l.isLow).map((l) => l.code));
  // skus lists in id order, the sort's tie-break.
  const sorted = [...all]
    .sort((a, b) => a.available - b.available || all.indexOf(a) - all.indexOf(b))
    .map((l) => l.code);
  expect(await walk({ orderBy: { field: 'AVAILABLE', direction: 'ASC' } })).toEqual(sorted);
  const dashboard = await app.gql(
    '{ dashboard(from: "2026-01-01", to: "2026-01-01") { lowStock(limit: 10) { sku { code } available } } }',
  );
  expect(dashboard.errors).toBeUndefined();
  expect(dashboard.data.dashboard.lowStock).toEqual(
    [...all]
      .filter((l) => l.isLow)
      .sort((a, b) => a.available - b.available)
      .map((l) => ({ sku: { code: l.code }, available: l.available })),
  );
  return all;
}

describe('availability while a lot is past expiry and not written off', () => {
  it('StockLevel counts the expired units as unsellable', async () => {
    expect(await levels()).toEqual([
      { code: 'JC-MILLET-2500G', available: 20, isLow: false },
      { code: 'JC-HAWTHORN-500G', available: 3, isLow: true },
      { code: 'JC-PEAR-5KG', available: 8, isLow: false },
    ]);
  });

  it('the lowStock filter, the AVAILABLE sort and the dashboard agree with StockLevel', async () => {
    await expectAgreement();
    expect(await walk({ filter: { lowStock: true } })).toEqual(['JC-HAWTHORN-500G']);
    expect(await walk({ orderBy: { field: 'AVAILABLE', direction: 'DESC' } })).toEqual([
      'JC-MILLET-2500G',
      'JC-PEAR-5KG',
      'JC-HAWTHORN-500G',
    ]);
  });

  it('a reservation takes what StockLevel.available shows, and not one unit more', async () => {
    const place = (quantity: number, key: string) =>
      app.gql('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
        input: {
          idempotencyKey: key,
          merchantCode: 'M-BAOFU-01',
          lines: [{ skuCode: 'JC-PEAR-5KG', quantity }],
          destination: { stationCode: 'ST-GAODU-BAOFU' },
        },
      });
    const tooMany = await place(9, 'pear-9');
    expect(tooMany.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    expect((await place(5, 'pear-5')).errors).toBeUndefined();
    const after = await expectAgreement();
    expect(after.find((l) => l.code === 'JC-PEAR-5KG')).toEqual({
      code: 'JC-PEAR-5KG',
      available: 3,
      isLow: true,
    });
    expect(await walk({ filter: { lowStock: true } })).toEqual(['JC-HAWTHORN-500G', 'JC-PEAR-5KG']);
  });
});
