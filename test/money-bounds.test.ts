import { formatFen, MAX_ORDER_TOTAL_FEN } from '../src/money';
import { shanghaiToday as today } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { placeOrderRaw, snapshot } from './support/operations';
import { orderFlow } from './support/order-flow';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/**
 * The largest amounts the API accepts, end to end: a price of 9,999,999,999,999.99 yuan, an order of that
 * total placed, shipped and counted by the dashboard and its rollups, and a stock worth more than BIGINT
 * holds; one fen more is refused naming the line, with nothing changed.
 */
const TOP_PRICE = formatFen(MAX_ORDER_TOTAL_FEN);
/** More units than BIGINT fen can value at the top price (2^63 / 999,999,999,999,999 = 9,223.37). */
const UNITS = 10_000;

describe('money at its bounds', () => {
  let app: TestApp;
  let flow: ReturnType<typeof orderFlow>;
  beforeAll(async () => {
    app = await startTestApp();
    await createReferenceData(app);
    flow = orderFlow(app);
    const res = await app.gql(
      'mutation($input: CreateSkuInput!) { createSku(input: $input) { price { amount } } }',
      {
        input: {
          code: 'JC-GOLDEN-HAWTHORN',
          name: 'Golden hawthorn',
          category: 'GRAIN',
          unit: 'box',
          unitWeightGrams: 500,
          storageZone: 'AMBIENT',
          shelfLifeDays: 365,
          price: TOP_PRICE,
        },
      },
    );
    expect(res.data.createSku.price.amount).toBe('9999999999999.99');
    await flow.receive('JC-GOLDEN-HAWTHORN', 'FARM-QINSHUI-001', UNITS, 'A-01-01');
  });
  afterAll(() => app.close());

  const DASHBOARD = `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
    sales { amount } stockValue { amount } unitsDispatched daily { sales { amount } } monthly { sales { amount } }
    topSkus(limit: 1) { sku { code } sales { amount } } byFarm(limit: 1) { sales { amount } } } }`;

  it('values a stock beyond BIGINT exactly', async () => {
    const res = await app.gql(DASHBOARD, { from: today(), to: today() });
    expect(res.errors).toBeUndefined();
    expect(res.data.dashboard.stockValue.amount).toBe(formatFen(MAX_ORDER_TOTAL_FEN * BigInt(UNITS)));
  });

  it('places, ships and counts an order of the largest total, stored as an exact integer', async () => {
    const number = await flow.ship('M-BAOFU-01', [['JC-GOLDEN-HAWTHORN', 1]], 'SF', 1);
    const order = await app.gql(
      'query($n: String!) { order(number: $n) { total { amount } lines { lineTotal { amount } } } }',
      {
        n: number,
      },
    );
    expect(order.data.order).toEqual({
      total: { amount: TOP_PRICE },
      lines: [{ lineTotal: { amount: TOP_PRICE } }],
    });
    const res = await app.gql(DASHBOARD, { from: today(), to: today() });
    expect(res.errors).toBeUndefined();
    const d = res.data.dashboard;
    expect(d.sales.amount).toBe(TOP_PRICE);
    expect(d.daily).toEqual([{ sales: { amount: TOP_PRICE } }]);
    expect(d.monthly).toEqual([{ sales: { amount: TOP_PRICE } }]);
    expect(d.topSkus).toEqual([{ sku: { code: 'JC-GOLDEN-HAWTHORN' }, sales: { amount: TOP_PRICE } }]);
    expect(d.byFarm).toEqual([{ sales: { amount: TOP_PRICE } }]);
    expect(d.stockValue.amount).toBe(formatFen(MAX_ORDER_TOTAL_FEN * BigInt(UNITS - 1)));
    if (!onMysql) {
      const rows = await app.dataSource.query(
        'SELECT typeof(line_total_fen) AS line, typeof(o.total_fen) AS total FROM order_line l JOIN orders o ON o.id = l.order_id',
      );
      expect(rows).toEqual([{ line: 'integer', total: 'integer' }]);
    }
  });

  it('refuses an order worth more than the largest total, naming the line, and changes nothing', async () => {
    const before = await snapshot(app);
    const twice = await placeOrderRaw(app, {
      merchantCode: 'M-BAOFU-01',
      lines: [{ skuCode: 'JC-GOLDEN-HAWTHORN', quantity: 2 }],
    });
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines.0.quantity' });
    const plusOneFen = await placeOrderRaw(app, {
      merchantCode: 'M-BAOFU-01',
      lines: [
        { skuCode: 'JC-GOLDEN-HAWTHORN', quantity: 1 },
        { skuCode: 'JC-PEAR-5KG', quantity: 1 },
      ],
    });
    expect(plusOneFen.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines.1.quantity',
    });
    expect(plusOneFen.errors?.[0].message).toContain('9999999999999.99');
    expect(await snapshot(app)).toEqual(before);
  });
});
