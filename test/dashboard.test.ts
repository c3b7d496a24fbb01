import { rangeParts } from '../src/dashboard/dashboard.service';
import { Role } from '../src/graphql/enums';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { orderFlow } from './support/order-flow';
import { startTestApp, TestApp } from './support/test-app';

const DASHBOARD = `query($from: LocalDate!, $to: LocalDate!) {
  dashboard(from: $from, to: $to) {
    from to
    sales { amount currency }
    ordersPlaced ordersDispatched parcelsDispatched unitsDispatched
    daily { date sales { amount } ordersPlaced ordersDispatched parcels }
    monthly { month sales { amount } ordersDispatched parcels }
    byCarrier { carrier { code } parcels ordersDispatched }
    byFarm { farm { code } sales { amount } units }
    byMerchantVillage { village sales { amount } merchants }
    topSkus { sku { code } sales { amount } units }
    stockValue { amount }
    lowStock { sku { code } available isLow }
    expiringLots(withinDays: 7) { code expiresOn }
  }
}`;

describe('dashboard', () => {
  let app: TestApp;
  const today = shanghaiToday();

  beforeAll(async () => {
    app = await startTestApp();
    await createReferenceData(app);
    const flow = orderFlow(app);
    await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 100, 'A-01-01');
    await flow.receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 50, 'A-01-02');
    await flow.receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 3, 'C-01-01', addDays(today, 3));
    await flow.ship(
      'M-BAOFU-01',
      [
        ['JC-MILLET-2500G', 3],
        ['JC-HAWTHORN-500G', 2],
      ],
      'SF',
      2,
    );
    await flow.deliver(await flow.ship('M-BEIJIE-02', [['JC-HAWTHORN-500G', 4]], 'YTO', 1));
    await flow.cancel(await flow.place('M-BEIJIE-02', [['JC-MILLET-2500G', 1]]));
    await flow.place('M-BAOFU-01', [['JC-MILLET-2500G', 5]]);
  });

  afterAll(() => app.close());

  it('sums the day of dispatch exactly, with every breakdown', async () => {
    const res = await app.gql(DASHBOARD, { from: today, to: today });
    expect(res.errors).toBeUndefined();
    const d = res.data.dashboard;
    expect(d.from).toBe(today);
    expect(d.sales).toEqual({ amount: '193.80', currency: 'CNY' }); // 3 x 39.90 + 2 x 12.35 + 4 x 12.35
    expect([d.ordersPlaced, d.ordersDispatched, d.parcelsDispatched, d.unitsDispatched]).toEqual([
      4, 2, 3, 9,
    ]);
    expect(d.daily).toEqual([
      { date: today, sales: { amount: '193.80' }, ordersPlaced: 4, ordersDispatched: 2, parcels: 3 },
    ]);
    expect(d.monthly).toEqual([
      { month: today.slice(0, 7), sales: { amount: '193.80' }, ordersDispatched: 2, parcels: 3 },
    ]);
    expect(d.byCarrier).toEqual([
      { carrier: { code: 'SF' }, parcels: 2, ordersDispatched: 1 },
      { carrier: { code: 'YTO' }, parcels: 1, ordersDispatched: 1 },
    ]);
    expect(d.byFarm).toEqual([
      { farm: { code: 'FARM-QINSHUI-001' }, sales: { amount: '119.70' }, units: 3 },
      { farm: { code: 'FARM-ZEZHOU-002' }, sales: { amount: '74.10' }, units: 6 },
    ]);
    expect(d.byMerchantVillage).toEqual([
      { village: 'Baofu', sales: { amount: '144.40' }, merchants: 1 },
      { village: 'Beijie', sales: { amount: '49.40' }, merchants: 1 },
    ]);
    expect(d.topSkus).toEqual([
      { sku: { code: 'JC-MILLET-2500G' }, sales: { amount: '119.70' }, units: 3 },
      { sku: { code: 'JC-HAWTHORN-500G' }, sales: { amount: '74.10' }, units: 6 },
    ]);
    // On hand: 97 millet, 44 hawthorn, 3 pears.
    expect(d.stockValue.amount).toBe('4414.00'); // 97 x 39.90 + 44 x 12.35 + 3 x 0.10 = 3870.30 + 543.40 + 0.30
    expect(d.lowStock).toEqual([{ sku: { code: 'JC-PEAR-5KG' }, available: 3, isLow: true }]);
    expect(d.expiringLots).toEqual([{ code: expect.any(String), expiresOn: addDays(today, 3) }]);
  });

  it('lists every day of the range with zeros, every month it touches, and limits breakdowns', async () => {
    const from = addDays(today, -40);
    const res = await app.gql(
      `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
      sales { amount } daily { date ordersPlaced } monthly { month ordersDispatched } byFarm(limit: 1) { farm { code } }
      topSkus(limit: 1) { sku { code } } expiringLots(withinDays: 1) { code } } }`,
      { from, to: today },
    );
    expect(res.errors).toBeUndefined();
    const d = res.data.dashboard;
    expect(d.sales.amount).toBe('193.80');
    expect(d.daily).toHaveLength(41);
    expect(d.daily[0]).toEqual({ date: from, ordersPlaced: 0 });
    expect(d.daily[40]).toEqual({ date: today, ordersPlaced: 4 });
    const months = [...new Set(d.daily.map((day: { date: string }) => day.date.slice(0, 7)))];
    expect(d.monthly.map((m: { month: string }) => m.month)).toEqual(months);
    expect(d.monthly.at(-1).ordersDispatched).toBe(2);
    expect(d.byFarm).toEqual([{ farm: { code: 'FARM-QINSHUI-001' } }]);
    expect(d.topSkus).toEqual([{ sku: { code: 'JC-MILLET-2500G' } }]);
    expect(d.expiringLots).toEqual([]);
  });

  it('reads whole months from monthly rollups and the edges from daily ones, with the same result', async () => {
    const monthStart = `${today.slice(0, 7)}-01`;
    const monthEnd = addDays(`${addDays(monthStart, 31).slice(0, 7)}-01`, -1);
    const query = `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
      byFarm { farm { code } sales { amount } units } topSkus { sku { code } units } byMerchantVillage { village merchants } } }`;
    const ranges = [
      [today, today],
      [monthStart, monthEnd],
      [addDays(monthStart, -45), monthEnd],
      [addDays(today, -365), today],
    ];
    const results = await Promise.all(ranges.map(([from, to]) => app.gql(query, { from, to })));
    for (const res of results) expect(res.errors).toBeUndefined();
    for (const res of results.slice(1)) expect(res.data).toEqual(results[0].data);
  });

  it('carries totals past 2^31 fen exactly', async () => {
    const day = addDays(today, -2);
    await app.dataSource.query(
      'INSERT INTO daily_sales (day, shard, sales_fen, orders_placed, orders_dispatched, parcels, units) VALUES (?, 0, ?, 0, 1, 1, 1)',
      [day, '987654321987'],
    );
    const res = await app.gql(
      'query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) { sales { amount } daily { sales { amount } } } }',
      { from: day, to: today },
    );
    await app.dataSource.query('DELETE FROM daily_sales WHERE day = ?', [day]);
    expect(res.data.dashboard.sales.amount).toBe('9876543413.67'); // 9876543219.87 + 193.80
    expect(res.data.dashboard.daily[0].sales.amount).toBe('9876543219.87');
  });

  it('adds closed days (read once, then kept) to the live ones', async () => {
    const day = addDays(today, -10);
    const [pear] = await app.dataSource.query("SELECT id FROM sku WHERE code = 'JC-PEAR-5KG'");
    await app.dataSource.query(
      'INSERT INTO daily_sales_by_sku (day, sku_id, sales_fen, units) VALUES (?, ?, ?, ?)',
      [day, pear.id, '100000', 7],
    );
    const query =
      'query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) { topSkus(limit: 3) { sku { code } sales { amount } units } } }';
    const res = await app.gql(query, { from: addDays(today, -12), to: today });
    await app.dataSource.query('DELETE FROM daily_sales_by_sku WHERE day = ?', [day]);
    expect(res.data.dashboard.topSkus).toEqual([
      { sku: { code: 'JC-PEAR-5KG' }, sales: { amount: '1000.00' }, units: 7 },
      { sku: { code: 'JC-MILLET-2500G' }, sales: { amount: '119.70' }, units: 3 },
      { sku: { code: 'JC-HAWTHORN-500G' }, sales: { amount: '74.10' }, units: 6 },
    ]);
  });

  it('is for OFFICIAL and ADMIN only', async () => {
    const official = await app.keyFor(Role.OFFICIAL);
    const ok = await app.gql(
      'query($d: LocalDate!) { dashboard(from: $d, to: $d) { ordersPlaced } }',
      { d: today },
      official,
    );
    expect(ok.errors).toBeUndefined();
    expect(ok.data.dashboard.ordersPlaced).toBe(4);
    for (const key of [await app.keyFor(Role.WAREHOUSE), await app.keyFor(Role.MERCHANT, 'M-BAOFU-01')]) {
      const res = await app.gql(
        'query($d: LocalDate!) { dashboard(from: $d, to: $d) { ordersPlaced } }',
        { d: today },
        key,
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('refuses a reversed range, one over 366 days and bad limits, naming the field', async () => {
    const query =
      'query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) { ordersPlaced } }';
    const reversed = await app.gql(query, { from: today, to: addDays(today, -1) });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const tooLong = await app.gql(query, { from: addDays(today, -366), to: today });
    expect(tooLong.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const longest = await app.gql(query, { from: addDays(today, -365), to: today });
    expect(longest.errors).toBeUndefined();
    const badLimit = await app.gql(
      'query($d: LocalDate!) { dashboard(from: $d, to: $d) { topSkus(limit: 0) { units } } }',
      { d: today },
    );
    expect(badLimit.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
  });
});

describe('rangeParts', () => {
  it('splits a range into whole months and the days around them', () => {
    expect(rangeParts('2025-11-30', '2026-11-29')).toEqual({
      months: ['2025-12-01', '2026-10-01'],
      days: [
        ['2025-11-30', '2025-11-30'],
        ['2026-11-01', '2026-11-29'],
      ],
    });
    expect(rangeParts('2026-02-01', '2026-02-28')).toEqual({
      months: ['2026-02-01', '2026-02-01'],
      days: [],
    });
    expect(rangeParts('2026-02-02', '2026-03-30')).toEqual({
      months: null,
      days: [['2026-02-02', '2026-03-30']],
    });
    expect(rangeParts('2026-01-15', '2026-03-31')).toEqual({
      months: ['2026-02-01', '2026-03-01'],
      days: [['2026-01-15', '2026-01-31']],
    });
  });
});
